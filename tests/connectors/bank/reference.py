"""Read the mt-940 project's expected-output YAML dumps as plain data, executing nothing.

The dumps carry ``!!python/object…`` tags. This loader is a SafeLoader that turns every such
tag into plain values: objects into their state mappings, ``decimal.Decimal`` into Decimal,
``mt940.models.Date`` (pickled date bytes) into ``datetime.date``, anything else into None. No
class is ever imported or called.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml


class ReferenceLoader(yaml.SafeLoader):
    """SafeLoader plus inert readers for python/* tags."""


def _object(loader: ReferenceLoader, suffix: str, node: yaml.Node) -> Any:
    state: dict[str, Any] = {}
    yield state  # the dumps refer back to their own parents (&id / *id): build in two steps
    if isinstance(node, yaml.MappingNode):
        state.update(loader.construct_mapping(node, deep=True))


def _apply(loader: ReferenceLoader, suffix: str, node: yaml.Node) -> Any:
    args = loader.construct_sequence(node, deep=True) if isinstance(node, yaml.SequenceNode) else []
    if suffix == "decimal.Decimal":
        return Decimal(args[0])
    if suffix == "mt940.models.Date" and isinstance(args[0], bytes):
        raw = args[0]
        return date(raw[0] * 256 + raw[1], raw[2], raw[3])
    return None


ReferenceLoader.add_multi_constructor("tag:yaml.org,2002:python/object:", _object)
ReferenceLoader.add_multi_constructor("tag:yaml.org,2002:python/object/apply:", _apply)
ReferenceLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def expected_transactions(path: Path) -> list[dict[str, Any]]:
    """(amount, date) and friends of every transaction the mt-940 project expects."""
    dump = yaml.load(path.read_text("utf-8"), Loader=ReferenceLoader)  # noqa: S506 - inert loader above
    return [t["data"] for t in dump["transactions"]]

"""The step registry: the kinds of step a recipe can use, as an object, not a module global.

The built-in kinds are the modules of hub/pipeline/steps/, listed in :data:`BUILTIN` in the
order the recipe schema and its messages show them. Third parties add kinds through the
``o2c_hub.steps`` entry-point group, each naming a module's :class:`StepKind`::

    [project.entry-points."o2c_hub.steps"]
    fx_rate = "acme_o2c.fx_step:KIND"

Tests build their own: ``StepRegistry.builtin().clone()`` and ``register(KIND)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from hub.pipeline.step import StepKind
from hub.pipeline.steps import (call, cash_apply, cash_post, credit_check, dunning, for_each, lookup, notify, query,
                                reconcile, upsert, validate)
from hub.pipeline.steps import filter as filter_step
from hub.pipeline.steps import map as map_step

ENTRY_POINT_GROUP = "o2c_hub.steps"

BUILTIN: tuple[StepKind, ...] = (
    map_step.KIND, validate.KIND, filter_step.KIND, upsert.KIND, lookup.KIND, query.KIND, call.KIND,
    notify.KIND, for_each.KIND, credit_check.KIND, reconcile.KIND, cash_apply.KIND, cash_post.KIND, dunning.KIND,
)

#: Keys of a step that are not its kind.
STEP_KEYS = ("id", "when")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class StepRegistry:
    """Step kinds by name (their YAML key), in the order they were registered."""

    def __init__(self, kinds: Iterable[StepKind] = ()):
        self._kinds: dict[str, StepKind] = {}
        for kind in kinds:
            self.register(kind)

    @classmethod
    def builtin(cls) -> StepRegistry:
        """The kinds o2c-hub ships."""
        return cls(BUILTIN)

    @classmethod
    def from_entry_points(cls) -> StepRegistry:
        """The built-in kinds and every kind installed through the ``o2c_hub.steps`` entry points."""
        return cls(_installed())

    def register(self, kind: StepKind) -> StepKind:
        """Add ``kind``; a name already taken, or one a step key cannot be, is refused."""
        if not isinstance(kind, StepKind):
            raise TypeError(f"a step kind must be a StepKind, not {type(kind).__name__}")
        if not _NAME.match(kind.name) or kind.name in STEP_KEYS:
            raise ValueError(f"{kind.name!r} cannot name a step kind: use lower-case letters, digits and _ "
                             f"(not {' or '.join(STEP_KEYS)})")
        if kind.name in self._kinds:
            raise ValueError(f"step kind {kind.name!r} is registered twice ({self._kinds[kind.name].module} "
                             f"and {kind.module})")
        self._kinds[kind.name] = kind
        return kind

    def get(self, name: str) -> StepKind:
        """The kind called ``name``; LookupError lists the known names."""
        try:
            return self._kinds[name]
        except KeyError:
            raise LookupError(f"unknown step kind {name!r} (known: {', '.join(self._kinds) or 'none'})") from None

    def kind_of(self, step: Mapping[str, Any]) -> StepKind | None:
        """The kind a written step (a mapping with ``id``, ``when`` and one kind key) is of."""
        return next((kind for name, kind in self._kinds.items() if name in step), None)

    def names(self) -> list[str]:
        return list(self._kinds)

    def kinds(self) -> tuple[StepKind, ...]:
        return tuple(self._kinds.values())

    def __iter__(self) -> Iterator[StepKind]:
        return iter(self.kinds())

    def clone(self) -> StepRegistry:
        return StepRegistry(self._kinds.values())


@lru_cache(maxsize=1)
def _installed() -> tuple[StepKind, ...]:
    """The built-in kinds, then those of the entry points (read once per process)."""
    return (*BUILTIN, *(_loaded(ep) for ep in entry_points(group=ENTRY_POINT_GROUP)))


def _loaded(entry_point: EntryPoint) -> StepKind:
    kind = entry_point.load()
    if getattr(kind, "name", None) != entry_point.name:
        raise ValueError(f"entry point {entry_point.name} = {entry_point.value} ({ENTRY_POINT_GROUP}) must "
                         f"name a StepKind called {entry_point.name!r}")
    return kind

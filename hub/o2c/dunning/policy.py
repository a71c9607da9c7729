"""Dunning policies: the ``dunning:`` YAML file → validated, frozen :class:`Policy` objects.

    dunning:
      standard:
        connections: {email: mail, slack: slack}
        slack_channel: "#ar-alerts"
        levels:
          - {name: reminder, days: -3, channel: email}
          - {name: first_notice, days: 7, channel: email, min_amount: "50.00", min_days_between: 7}
          - {name: final_notice, days: 30, channel: email, action: credit_hold}

The file is checked against ``hub/schemas/dunning.schema.json``, then for meaning (levels in
increasing order of days, unique names, a connection for every channel used); every problem is
reported at once as ``file:line:col: path: message`` (ConfigError).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from hub import SCHEMAS
from hub.errors import ConfigError, Issue
from hub.yamldoc import Document, load_document, schema_issues, sort_issues

SCHEMA_PATH = SCHEMAS / "dunning.schema.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Level:
    """One level: due ``days`` after the due date (negative: before it)."""

    name: str
    days: int
    channel: str
    min_amount: Decimal = Decimal(0)
    min_days_between: int = 0
    action: str | None = None
    subject: str = "Payment reminder: {count} open invoice(s)"
    text: str = "Dear {customer}, according to our records the invoices below are open."


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Levels in increasing order of days, and the connection that sends each channel."""

    name: str
    levels: tuple[Level, ...]
    connections: dict[str, str]
    slack_channel: str | None = None
    description: str = ""

    def rank(self, level_name: str) -> int:
        """Position of a level (0 = first); -1 for a name the policy no longer has."""
        return next((i for i, lv in enumerate(self.levels) if lv.name == level_name), -1)


@lru_cache(maxsize=1)
def dunning_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


def load_policies(path: str | Path) -> dict[str, Policy]:
    """Every policy of a dunning file, by name; ConfigError lists every problem."""
    path = Path(path)
    return parse_policies(path.read_text("utf-8"), str(path))


def parse_policies(text: str, file: str) -> dict[str, Policy]:
    """Every policy of dunning-file ``text`` (named ``file`` in messages), by name."""
    doc = load_document(text, file)
    issues = doc.issues + schema_issues(doc.data, dunning_schema(), doc, file)
    if not issues:
        issues = [i for name, raw in doc.data["dunning"].items() for i in _meaning(doc, name, raw)]
    if issues:
        raise ConfigError(sort_issues(issues))
    return {name: _policy(name, raw) for name, raw in doc.data["dunning"].items()}


def _meaning(doc: Document, name: str, raw: dict[str, Any]) -> list[Issue]:
    """What the schema cannot say: order, unique names, connections for the channels used."""
    issues, seen = [], set()
    connections = raw.get("connections") or {}
    previous = None
    for i, level in enumerate(raw["levels"]):
        where = ("dunning", name, "levels", i)
        if level["name"] in seen:
            issues.append(doc.issue((*where, "name"), f"level {level['name']!r} is named twice"))
        seen.add(level["name"])
        if previous is not None and level["days"] <= previous:
            issues.append(doc.issue((*where, "days"), "levels must be in increasing order of days"))
        previous = level["days"]
        if level["channel"] not in connections:
            issues.append(doc.issue(("dunning", name), f"connections/{level['channel']} is required "
                                    f"(level {level['name']!r} sends by {level['channel']})"))
    return issues


def _policy(name: str, raw: dict[str, Any]) -> Policy:
    levels = tuple(
        Level(**{**lv, "min_amount": Decimal(str(lv.get("min_amount", "0")))}) for lv in raw["levels"]
    )
    return Policy(name=name, levels=levels, connections=dict(raw.get("connections") or {}),
                  slack_channel=raw.get("slack_channel"), description=raw.get("description", ""))

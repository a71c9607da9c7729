"""``dunning``: send the notices a dunning policy prescribes, each once, and record them.

.. code-block:: yaml

    - id: notices
      dunning:
        policies: ../dunning.yaml     # the dunning file, relative to this recipe's file
        policy: standard
        as_of: event.as_of            # optional: the date to dun as on (default: today)

The policy is read and its connections resolved when the recipe is built; the run plans the
notices (hub.o2c.dunning.runner.run_dunning) and sends each through its channel's ``notify``
action with the notice's own idempotency key, so a retry or a replay sends only what was not
sent. The output lists what was sent::

    {policy: standard, as_of: "2026-12-07", count: 1,
     notices: [{customer, level, connection, invoices: [{number, level, due_date, days_past_due,
                amount_due, currency}], totals: {EUR: 120.00}}]}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from hub.connector import Connector
from hub.errors import ConfigError, FatalError
from hub.o2c.dunning.planner import PlannedNotice
from hub.o2c.dunning.policy import Policy, load_policies
from hub.o2c.dunning.runner import SentResult, run_dunning
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningStep(Step):
    """Runs ``policy`` (read from ``policies``) with the ``connections`` its levels send by."""

    policies: str
    policy: Policy
    connections: Mapping[str, Connector]
    as_of: Expression | None

    def prepare(self, ctx: RunContext) -> Any:
        return {"policy": self.policy.name, "as_of": self.day(ctx).isoformat()}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        as_of = date.fromisoformat(given["as_of"])
        sent = run_dunning(ctx.sessions, self.connections, self.policy, as_of, ledger=ctx.ledger)
        return {"policy": self.policy.name, "as_of": as_of.isoformat(), "count": len(sent),
                "notices": [notice_view(result) for result in sent]}

    def day(self, ctx: RunContext) -> date:
        """The date to dun as on: ``as_of``'s value, or today when it has none."""
        value = self.as_of(ctx.data) if self.as_of else None
        if value is None:
            return date.today()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise FatalError(f"as_of '{self.as_of.source}' is {value!r}, not a date (YYYY-MM-DD)")


def notice_view(result: SentResult) -> dict[str, Any]:
    """One notice of the run as plain data: who, which level, which invoices, by which connection."""
    notice: PlannedNotice = result.notice
    return {
        "customer": notice.customer, "level": notice.level.name, "connection": result.connection,
        "reused": result.reused, "totals": notice.totals(),
        "invoices": [{"number": i.number, "level": i.level, "due_date": i.due_date.isoformat(),
                      "days_past_due": i.days_past_due, "amount_due": i.amount_due, "currency": i.currency}
                     for i in notice.invoices],
    }


def policies_path(recipe_file: str, policies: str) -> str:
    """The dunning file a recipe names, relative to the recipe's own file."""
    return os.path.normpath(os.path.join(os.path.dirname(recipe_file), policies))


def check(body: Any, at: Checks) -> None:
    path = policies_path(at.recipe_file, body["policies"])
    try:
        policies = load_policies(path)
    except (OSError, UnicodeDecodeError) as exc:
        at.report(("policies",), f"cannot read the dunning file {path}: {getattr(exc, 'strerror', None) or exc}")
        return
    except ConfigError as exc:  # the dunning file's own problems, at its own lines
        at.add(exc.issues)
        return
    policy = policies.get(body["policy"])
    if policy is None:
        at.report(("policy",), f"{path} has no policy {body['policy']!r} (known: {', '.join(sorted(policies))})")
        return
    for channel, name in sorted(_channels(policy).items()):
        connection = at.connections.get(name)
        if connection is None:
            known = ", ".join(sorted(at.connections)) or "none are configured"
            at.report(("policy",), f"policy {policy.name!r} sends {channel} by connection {name!r}, "
                                   f"which is not configured (known: {known})")
        elif "notify" not in connection.actions():
            at.report(("policy",), f"policy {policy.name!r} sends {channel} by connection {name!r}, "
                                   f"which cannot send notices (it has no notify action)")
    if "as_of" in body:
        at.expression("as_of")


def _channels(policy: Policy) -> dict[str, str]:
    """Channel -> connection name, for the channels the policy's levels send by."""
    return {level.channel: policy.connections[level.channel] for level in policy.levels}


def build(body: Any, at: Builder) -> DunningStep:
    path = policies_path(at.recipe_file, body["policies"])
    policy = load_policies(path)[body["policy"]]
    names = sorted(set(_channels(policy).values()))
    return DunningStep(**at.common, policies=path, policy=policy, as_of=at.expression("as_of"),
                       connections=MappingProxyType({name: at.connector(name) for name in names}))


BODY = {
    "type": "object",
    "required": ["policies", "policy"],
    "additionalProperties": False,
    "properties": {
        "policies": {
            "type": "string",
            "minLength": 1,
            "title": "Dunning file",
            "description": (
                "The dunning file holding the policy (hub/schemas/dunning.schema.json), relative to this "
                "recipe's file."
            ),
            "examples": ["../dunning.yaml", "dunning/b2b.yaml"],
        },
        "policy": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9_-]*$",
            "errorMessage": "is not a policy name: use lower-case letters, digits, - and _",
            "title": "Policy",
            "description": "Which policy of the dunning file to run.",
            "examples": ["standard", "late_payment_alert"],
        },
        "as_of": {
            "$ref": "#/$defs/expression",
            "title": "As of",
            "description": (
                "JMESPath giving the date to dun as on (YYYY-MM-DD); when it is absent or null, the day the "
                "step runs."
            ),
            "examples": ["event.as_of"],
        },
    },
}

KIND = StepKind(
    name="dunning",
    title="Dunning",
    description=(
        "Send the notices a dunning policy prescribes on a date: one per customer at the highest level due, "
        "never the same level of an invoice twice, disputed and promised invoices skipped, the credit hold a "
        "level asks for placed. Each notice goes through its channel's connection once, so a retry or replay "
        "sends only what was not sent. The step's result lists the notices (customer, level, invoices, "
        "connection)."
    ),
    examples=({"policies": "../dunning.yaml", "policy": "standard", "as_of": "event.as_of"},),
    body=BODY, check=check, build=build,
)

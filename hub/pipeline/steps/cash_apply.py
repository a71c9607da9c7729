"""``cash_apply``: run cash application over the money received and not decided yet.

.. code-block:: yaml

    - id: applied
      cash_apply: {}

Every payment and bank credit without a decision is matched to open invoices
(hub.o2c.cashapp.service) under the config file's ``cash_application:`` policy: applied when the
best invoice set explains the whole payment, proposed for a person when it does not, unmatched
when nothing fits. Each payment gets one proposal row,
whatever was decided, in the step's one transaction: a retry or a replay decides only what no
attempt decided before, never the same money twice. The output counts the decisions by status
and lists each with its invoices and the amounts applied::

    {decided: 3, auto_applied: 2, proposed: 1, unmatched: 0, skipped: 0,
     outcomes: [{payment, source, status, proposal_id, score, invoices, applications, credit, reasons}]}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from hub.o2c.cashapp.policy import Policy
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Step, StepKind

#: The statuses a decision of this step can have, counted in its output.
STATUSES = ("auto_applied", "proposed", "unmatched", "skipped")


@dataclass(frozen=True, slots=True, kw_only=True)
class CashApplyStep(Step):
    """Decides every payment and bank credit that has no decision yet, under ``policy`` (the
    config file's ``cash_application:``; None: the matcher's defaults)."""

    policy: Policy | None

    def execute(self, ctx: RunContext, given: Any) -> Any:
        # the engine, imported when a run applies cash: most hubs start without it
        from hub.o2c.cashapp.service import CashApplication
        from hub.o2c.cashapp.views import outcome_view

        with ctx.sessions.begin() as session:
            outcomes = CashApplication(session, self.policy).run()
        counts = Counter(outcome.status for outcome in outcomes)
        return {"decided": len(outcomes), **{status: counts[status] for status in STATUSES},
                "outcomes": [outcome_view(outcome) for outcome in outcomes]}


def check(body: Any, at: Checks) -> None:
    """Nothing to check beyond the schema: the step names no connection, entity or expression."""


def build(body: Any, at: Builder) -> CashApplyStep:
    return CashApplyStep(**at.common, policy=at.settings.cash_application if at.settings else None)


BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {},
    "title": "Cash application",
    "description": (
        "Takes no settings: write {}. What is applied without a person is the config file's "
        "cash_application: policy."
    ),
    "examples": [{}],
}

KIND = StepKind(
    name="cash_apply",
    title="Cash application",
    description=(
        "Match every payment and bank credit not decided yet to open invoices: apply it when the best invoice "
        "set explains the whole payment under the config file's cash_application: policy, propose it for a "
        "person (o2c-hub cashapp proposals) when not, unmatched when nothing fits. Each payment is decided once, so a retry or replay never applies money twice. The "
        "step's result counts the decisions (decided, auto_applied, proposed, unmatched, skipped) and lists "
        "each (outcomes)."
    ),
    examples=({},),
    body=BODY, check=check, build=build,
)

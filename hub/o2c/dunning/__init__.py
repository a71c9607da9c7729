"""Dunning: policies of levels, a pure planner, and a run that sends each notice once.

    policy.py   the ``dunning:`` YAML file → Policy (hub/schemas/dunning.schema.json)
    planner.py  plan(invoices, history, policy, as_of, collections) → [PlannedNotice]   (pure)
    state.py    history, disputes, promises to pay and credit holds in the store
    runner.py   run_dunning(sessions, connections, policy, as_of): send through ``notify``
                via the idempotency ledger, record the notices, place credit holds

The Slack alert on late payments is the one-level policy::

    dunning:
      late_payment_alert:
        connections: {slack: slack}
        slack_channel: "#ar-alerts"
        levels:
          - {name: late, days: 1, channel: slack}

(each late invoice is announced once, the day after its due date; a customer with several
late invoices gets one message listing them).
"""

from __future__ import annotations

from hub.o2c.dunning.planner import Collection, DunnedInvoice, PlannedNotice, SentNotice, customer_key, plan
from hub.o2c.dunning.policy import Level, Policy, load_policies, parse_policies
from hub.o2c.dunning.runner import SentResult, notice_payload, notice_text, run_dunning

__all__ = [
    "Collection", "DunnedInvoice", "Level", "PlannedNotice", "Policy", "SentNotice", "SentResult",
    "customer_key", "load_policies", "notice_payload", "notice_text", "parse_policies", "plan", "run_dunning",
]

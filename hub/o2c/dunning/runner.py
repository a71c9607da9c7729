"""The dunning run: read the store, plan, send each notice once, record it.

    run_dunning(sessions, connections, policy, as_of, ledger=ctx.ledger)
      1. open invoices, the policy's history, disputes and promises   (state.py)
      2. plan(...)                                                    (planner.py, pure)
      3. per notice: ledger.once(key) → the channel connection's ``notify`` action,
         with the same key as its Idempotency-Key
      4. record the notice's invoices (and the credit hold its level asks for)

A crash after 3 and before 4 is safe: the next run plans the same notice with the same key,
the ledger returns the stored result without sending, and step 4 records it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import sessionmaker

from hub.connector import ActionContext, Connector
from hub.errors import FatalError
from hub.idempotency import Ledger
from hub.o2c.dunning import state
from hub.o2c.dunning.planner import PlannedNotice, plan
from hub.o2c.dunning.policy import Policy


@dataclass(frozen=True, slots=True, kw_only=True)
class SentResult:
    """A notice of this run: sent now, or found already sent in the ledger (``reused``)."""

    notice: PlannedNotice
    connection: str
    reused: bool
    result: Any


def run_dunning(sessions: sessionmaker, connections: Mapping[str, Connector], policy: Policy,
                as_of: date, *, ledger: Ledger) -> list[SentResult]:
    """Send the notices ``policy`` prescribes on ``as_of`` through ``ledger`` (the run's) and
    record them."""
    with sessions() as session:
        notices = plan(state.open_invoices(session), state.history(session, policy.name), policy,
                       as_of, state.collections(session))
    return [_send(sessions, ledger, connections, policy, notice) for notice in notices]


def _send(sessions: sessionmaker, ledger: Ledger, connections: Mapping[str, Connector],
          policy: Policy, notice: PlannedNotice) -> SentResult:
    name = policy.connections[notice.level.channel]
    notify = _notify_action(connections, name)
    payload = notice_payload(notice, policy)
    context = ActionContext(idempotency_key=notice.key, run_id=ledger.run_id, step_id="notify")
    outcome = ledger.once(notice.key, "notify", lambda: notify(payload, context))
    with sessions.begin() as session:
        ledger.settle(session)  # the notice is marked sent in its own commit, before it is recorded
    with sessions.begin() as session:
        state.record_notice(session, notice, connection=name)
        if notice.level.action == "credit_hold":
            state.place_credit_hold(session, notice)
    return SentResult(notice=notice, connection=name, reused=outcome.reused, result=outcome.result)


def _notify_action(connections: Mapping[str, Connector], name: str):
    connector = connections.get(name)
    if connector is None:
        raise FatalError(f"dunning: no connection named {name!r}; known: {', '.join(sorted(connections))}")
    action = connector.actions().get("notify")
    if action is None:
        raise FatalError(f"dunning: connection {name!r} has no notify action", connection=name)
    return action


def notice_payload(notice: PlannedNotice, policy: Policy) -> dict[str, Any]:
    """The notify payload: {text, subject, to} for e-mail, {text, channel?} for Slack."""
    text = notice_text(notice)
    if notice.level.channel == "email":
        payload: dict[str, Any] = {"text": text, "subject": notice.level.subject.format(**_names(notice))}
        email = notice.customer_ref.get("email")
        return {**payload, "to": [email]} if email else payload
    return {"text": text, "channel": policy.slack_channel} if policy.slack_channel else {"text": text}


def notice_text(notice: PlannedNotice) -> str:
    """The opening sentence, one line per invoice and the total per currency."""
    lines = [notice.level.text.format(**_names(notice)), ""]
    for item in notice.invoices:
        lines.append(f"  {item.number}  due {item.due_date.isoformat()}  ({_lateness(item.days_past_due)})  "
                     f"{item.currency} {item.amount_due}")
    totals = ", ".join(f"{currency} {amount}" for currency, amount in sorted(notice.totals().items()))
    lines += ["", f"Total open: {totals}"]
    return "\n".join(lines)


def _lateness(days: int) -> str:
    if days > 0:
        return f"{days} days overdue"
    return "due today" if days == 0 else f"due in {-days} days"


def _names(notice: PlannedNotice) -> dict[str, Any]:
    customer = notice.customer_ref.get("name") or notice.customer.split(":", 1)[-1]
    return {"customer": customer, "level": notice.level.name, "count": len(notice.invoices)}

"""Bank lines (stored bank transactions) with their statement and what cash application made of
them, newest first; read by the API, the console and ``o2c-hub bank lines``.

A line's ``state``:

    waiting        money received and not decided yet (the next ``o2c-hub cashapp run`` decides it)
    proposed       a proposal waits for a person
    unmatched      nothing scored high enough: the money waits as unapplied cash
    rejected       a person refused the proposal: the money stays unapplied
    auto_applied   applied by the matcher
    accepted       applied by a person
    applied        applied to invoices without a cash-application decision (a recipe's own step)
    debit          money paid out: cash application leaves it alone
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from hub.money import quantize
from hub.store.o2c import BankTransaction, PaymentApplication
from hub.store.o2c_cash import MatchProposal

DECIDED = ("proposed", "unmatched", "rejected", "auto_applied", "accepted")
STATES = ("waiting", *DECIDED, "applied", "debit")


@dataclass(frozen=True, slots=True, kw_only=True)
class BankLineFilter:
    """Which lines: by state, statement id and account id; ``before_id`` pages to older lines."""

    state: str | None = None
    statement: str | None = None
    account: str | None = None
    before_id: int | None = None
    limit: int = 50


def bank_lines(session: Session, wanted: BankLineFilter) -> tuple[list[dict[str, Any]], bool]:
    """The lines ``wanted`` names, newest first, and whether older ones match too."""
    decision = and_(MatchProposal.source == "bank_transaction",
                    MatchProposal.payment_reference == BankTransaction.dedupe_id)
    query = (select(BankTransaction, MatchProposal.id, MatchProposal.status, _applied().label("applied"))
             .outerjoin(MatchProposal, decision).order_by(BankTransaction.id.desc()).limit(wanted.limit + 1))
    for condition in _conditions(wanted):
        query = query.where(condition)
    found = session.execute(query).all()
    return [bank_line_view(*row) for row in found[:wanted.limit]], len(found) > wanted.limit


def _applied():
    return exists().where(PaymentApplication.payment_reference == BankTransaction.dedupe_id)


def _conditions(wanted: BankLineFilter) -> list:
    conditions = []
    if wanted.before_id is not None:
        conditions.append(BankTransaction.id < wanted.before_id)
    if wanted.statement is not None:
        conditions.append(BankTransaction.statement_id == wanted.statement)
    if wanted.account is not None:
        conditions.append(BankTransaction.account_id == wanted.account)
    if wanted.state is not None:
        conditions.append(_in_state(wanted.state))
    return conditions


def _in_state(state: str):
    if state in DECIDED:
        return MatchProposal.status == state
    undecided = MatchProposal.id.is_(None)
    if state == "applied":
        return and_(undecided, _applied())
    if state == "debit":
        return and_(undecided, ~_applied(), BankTransaction.amount <= 0)
    if state == "waiting":
        return and_(undecided, ~_applied(), BankTransaction.amount > 0)
    raise ValueError(f"state must be one of {', '.join(STATES)}, not {state!r}")


def bank_line_view(row: BankTransaction, proposal_id: int | None, status: str | None, applied: bool) -> dict[str, Any]:
    """One line as JSON-ready data: its statement, entry references, money, payer and state."""
    data = row.data or {}
    account = data.get("account") or {}
    return {
        "id": row.id, "reference": row.dedupe_id,
        "statement": {"id": row.statement_id, "format": data.get("source_format"),
                      "account": {"id": row.account_id, "iban": account.get("iban")}},
        "entry": {name: data.get(name) for name in ("bank_reference", "entry_reference", "end_to_end_id",
                                                    "creditor_reference", "transaction_code")},
        "booking_date": row.booking_date, "value_date": row.value_date,
        "amount": quantize(row.amount, row.currency), "currency": row.currency,
        "counterparty": {"name": row.counterparty_name, "iban": row.counterparty_iban},
        "remittance_info": row.remittance_info, "state": _state(row, status, applied), "proposal_id": proposal_id,
    }


def _state(row: BankTransaction, status: str | None, applied: bool) -> str:
    if status is not None:
        return status
    if applied:
        return "applied"
    return "debit" if row.amount <= 0 else "waiting"

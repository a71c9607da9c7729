"""Cash application in the console: the matcher's proposals, unapplied cash and bank lines.

    GET  /console/cash-application/                 ?status=proposed&after_id=   proposals, oldest
                                                    first, each with its invoice set, allocation,
                                                    score and reasons; unapplied cash per currency
    POST /console/cash-application/<id>/accept      apply it (admin, ar; learns the payer's IBAN)
    POST /console/cash-application/<id>/reject      record why it is wrong (admin, ar; a reason)
    GET  /console/cash-application/bank-lines       ?before_id=   bank lines with their statement
                                                    and what cash application made of them

Accept and reject are the same CashApplication calls as POST /api/v1/cash-application/
proposals/<id>/accept|reject; each decision is an audit line in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from hub.money import to_decimal
from hub.o2c.cashapp.service import CashApplication, ProposalError
from hub.o2c.cashapp.unapplied import report as cash_report
from hub.o2c.cashapp.views import proposal_view
from hub.store.o2c import BankTransaction, Customer, PaymentApplication
from hub.store.o2c_cash import MatchProposal
from hub.store.platform import AuditEntry
from hub.web.console.access import actor, requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.charts import amount_text
from hub.web.console import forms
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import query_int

bp = console_blueprint("console_cashapp", "/console/cash-application")
bp.add_app_template_filter(amount_text, "amount")
NAV = NavItem(label="Cash application", endpoint="console_cashapp.index", permission="read")
STATUSES = ("proposed", "unmatched", "rejected", "accepted", "auto_applied", "all")
DECIDABLE = ("proposed", "unmatched")
PAGE = 50


@bp.get("/")
@requires("read")
def index():
    status = request.args.get("status") or "proposed"
    if status not in STATUSES:
        abort(400, f"status must be one of {', '.join(STATUSES)}")
    after_id = query_int("after_id", None)
    query = select(MatchProposal).order_by(MatchProposal.id).limit(PAGE + 1)
    if status != "all":
        query = query.where(MatchProposal.status == status)
    if after_id is not None:
        query = query.where(MatchProposal.id > after_id)
    with current_hub().sessions() as session:
        found = session.scalars(query).all()
        proposals = [_shown(proposal_view(p)) for p in found[:PAGE]]
        names = _customer_names(session, {p["customer_id"] for p in proposals})
        figures = cash_report(session)
    newer = proposals[-1]["id"] if len(found) > PAGE else None
    return render_template("console/cashapp/index.html", proposals=proposals, names=names, status=status,
                           statuses=STATUSES, decidable=DECIDABLE, figures=figures, newer=newer,
                           paged=after_id is not None)


@bp.post("/<id:proposal_id>/accept")
@requires("worklist")
def accept(proposal_id: int):
    who = actor()
    with _decision() as session:
        outcome = CashApplication(session).accept(proposal_id, who=who)
        applied = ", ".join(f"{amount_text(a.amount)} to {a.number}" for a in outcome.applications
                            if a.kind == "applied")
        session.add(AuditEntry(kind="cashapp.accept", remote_addr=request.remote_addr, detail=(
            f"cash application proposal {proposal_id} ({outcome.source} {outcome.reference}) "
            f"accepted by {who}: applied {applied or 'nothing'}")))
    credit = f" {amount_text(outcome.credit)} kept as customer credit." if outcome.credit > 0 else ""
    flash(f"Proposal {proposal_id} accepted: payment {outcome.reference} applied "
          f"({applied or 'nothing left to apply'}).{credit}")
    return redirect(_back())


@bp.post("/<id:proposal_id>/reject")
@requires("worklist")
def reject(proposal_id: int):
    who = actor()
    reason = forms.reason("say why the proposal is wrong (the reason is kept with it and written to the audit log)")
    with _decision() as session:
        proposal = CashApplication(session).reject(proposal_id, reason=reason, who=who)
        payment = proposal.payment_reference
        session.add(AuditEntry(kind="cashapp.reject", remote_addr=request.remote_addr, detail=(
            f"cash application proposal {proposal_id} ({proposal.source} {payment}) rejected by {who}; "
            f"reason: {reason}")))
    flash(f"Proposal {proposal_id} rejected: payment {payment} stays unapplied cash.")
    return redirect(_back())


@bp.get("/bank-lines")
@requires("read")
def bank_lines():
    before_id = query_int("before_id", None)
    decision = and_(MatchProposal.source == "bank_transaction",
                    MatchProposal.payment_reference == BankTransaction.dedupe_id)
    applied = exists().where(PaymentApplication.payment_reference == BankTransaction.dedupe_id)
    query = (select(BankTransaction, MatchProposal.id, MatchProposal.status, applied.label("applied"))
             .outerjoin(MatchProposal, decision).order_by(BankTransaction.id.desc()).limit(PAGE + 1))
    if before_id is not None:
        query = query.where(BankTransaction.id < before_id)
    with current_hub().sessions() as session:
        found = session.execute(query).all()
        lines = [_bank_line(*row) for row in found[:PAGE]]
    older = lines[-1]["id"] if len(found) > PAGE else None
    return render_template("console/cashapp/bank_lines.html", lines=lines, older=older,
                           paged=before_id is not None)


def _shown(view: dict) -> dict:
    """A proposal's view with its credit as an amount (the allocation is stored as JSON)."""
    return {**view, "credit": to_decimal((view["allocation"] or {}).get("credit") or 0)}


def _bank_line(row: BankTransaction, proposal_id: int | None, status: str | None, applied: bool) -> dict:
    if status is not None:
        state = status
    elif applied:
        state = "applied"
    else:
        state = "not money received" if row.amount <= 0 else "waiting for a cash application run"
    return {"id": row.id, "reference": row.dedupe_id, "statement": row.statement_id, "account": row.account_id,
            "booking_date": row.booking_date, "value_date": row.value_date, "amount": row.amount,
            "currency": row.currency, "counterparty": row.counterparty_name, "iban": row.counterparty_iban,
            "remittance": row.remittance_info or row.creditor_reference or row.end_to_end_id,
            "state": state, "proposal_id": proposal_id}


def _customer_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(Customer.id, Customer.name, Customer.email).where(Customer.id.in_(wanted)))
    return {cid: name or email or f"customer {cid}" for cid, name, email in rows}


@contextmanager
def _decision() -> Iterator[Session]:
    """A transaction deciding a proposal: 404 when it is missing, 409 when no longer open."""
    try:
        with current_hub().sessions.begin() as session:
            yield session
    except ProposalError as exc:
        abort(404 if exc.missing else 409, str(exc))



def _back() -> str:
    status = request.form.get("status")
    return url_for(".index", status=status if status in STATUSES else None)

"""Cash application in the console: the matcher's proposals, unapplied cash and bank lines.

    GET  /console/cash-application/                 ?status=proposed&after_id=   proposals, oldest
                                                    first, each with its best invoice set, allocation,
                                                    score and reasons; unapplied cash per currency
    GET  /console/cash-application/<id>             one proposal with every candidate set: its
                                                    invoices, amounts, score and reasons
    POST /console/cash-application/<id>/accept      apply candidate ``candidate`` (default 1, the
                                                    best; any other needs a reason) (admin, ar;
                                                    learns the payer's IBAN)
    POST /console/cash-application/<id>/allocate    apply the payment as a person allocates it:
                                                    rows invoice_N / amount_N (N = 1..5) and a
                                                    reason (admin, ar; the rest is customer credit)
    POST /console/cash-application/<id>/reject      record why it is wrong (admin, ar; a reason)
    GET  /console/cash-application/bank-lines       ?state=&statement=&before_id=   bank lines with
                                                    their statement, entry reference and state

Accept and reject are the same CashApplication calls as POST /api/v1/cash-application/
proposals/<id>/accept|reject; each decision is an audit line in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.o2c.cashapp.banklines import STATES as LINE_STATES
from hub.o2c.cashapp.banklines import BankLineFilter, bank_lines as find_bank_lines
from hub.errors import InvalidChoice, ProposalError, ProposalNotFound
from hub.o2c.cashapp.service import CashApplication
from hub.o2c.cashapp.unapplied import report as cash_report
from hub.o2c.cashapp.views import accept_audit_line, customer_names, proposal_view
from hub.store.o2c_cash import MatchProposal
from hub.store.platform import AuditEntry
from hub.web.console import forms
from hub.web.console.access import actor, requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.charts import amount_text
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import query_int

bp = console_blueprint("console_cashapp", "/console/cash-application")
bp.add_app_template_filter(amount_text, "amount")
NAV = NavItem(label="Cash application", endpoint="console_cashapp.index", permission="read")
STATUSES = ("proposed", "unmatched", "rejected", "accepted", "auto_applied", "all")
DECIDABLE = ("proposed", "unmatched")
#: A bank line's state as the page words it (the others read as they are, "_" as a space).
STATE_WORDS = {"waiting": "waiting for a cash application run", "debit": "not money received"}
PAGE = 50
MAX_TEXT = 200
ALLOCATION_ROWS = 5  # invoice and amount rows of the allocation form (the API takes up to 100)


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
        proposals = [proposal_view(p) for p in found[:PAGE]]
        names = customer_names(session, {p["customer_id"] for p in proposals})
        figures = cash_report(session)
    newer = proposals[-1]["id"] if len(found) > PAGE else None
    return render_template("console/cashapp/index.html", proposals=proposals, names=names, status=status,
                           statuses=STATUSES, decidable=DECIDABLE, figures=figures, newer=newer,
                           paged=after_id is not None)


@bp.get("/<id:proposal_id>")
@requires("read")
def show(proposal_id: int):
    with current_hub().sessions() as session:
        found = session.get(MatchProposal, proposal_id)
        if found is None:
            abort(404, f"there is no proposal {proposal_id}")
        proposal = proposal_view(found)
        names = customer_names(session, {proposal["customer_id"]} | {
            i["customer_id"] for c in proposal["candidates"] for i in [c, *c["invoices"]]})
    return render_template("console/cashapp/show.html", p=proposal, names=names, decidable=DECIDABLE,
                           allocation_rows=ALLOCATION_ROWS)


@bp.post("/<id:proposal_id>/accept")
@requires("worklist")
def accept(proposal_id: int):
    who, candidate, reason = actor(), _candidate(), _optional_reason()
    with _decision() as session:
        cash = CashApplication(session, current_hub().settings.cash_application)
        outcome = cash.accept(proposal_id, who=who, candidate=candidate, reason=reason)
        session.add(AuditEntry(kind="cashapp.accept", remote_addr=request.remote_addr, detail=accept_audit_line(
            proposal_id, outcome, who=who, candidate=candidate, reason=reason, money=amount_text)))
    _flash_accepted(proposal_id, outcome, "" if candidate == 1 else f" (candidate {candidate})")
    return redirect(_back(proposal_id))


@bp.post("/<id:proposal_id>/allocate")
@requires("worklist")
def allocate(proposal_id: int):
    who, rows = actor(), _allocation_rows()
    reason = forms.reason("say why the payment is allocated this way (the reason is kept with it and written to "
                          "the audit log)")
    with _decision() as session:
        cash = CashApplication(session, current_hub().settings.cash_application)
        outcome = cash.accept_allocation(proposal_id, rows, who=who, reason=reason)
        session.add(AuditEntry(kind="cashapp.accept", remote_addr=request.remote_addr, detail=accept_audit_line(
            proposal_id, outcome, who=who, candidate=None, reason=reason, money=amount_text)))
    _flash_accepted(proposal_id, outcome, " (your allocation)")
    return redirect(_back(proposal_id))


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
    return redirect(_back(proposal_id))


@bp.get("/bank-lines")
@requires("read")
def bank_lines():
    state = request.args.get("state") or None
    if state is not None and state not in LINE_STATES:
        abort(400, f"state must be one of {', '.join(LINE_STATES)}")
    statement = (request.args.get("statement") or "").strip() or None
    if statement is not None and len(statement) > MAX_TEXT:
        abort(400, f"the statement is longer than {MAX_TEXT} characters")
    before_id = query_int("before_id", None)
    with current_hub().sessions() as session:
        lines, more = find_bank_lines(session, BankLineFilter(state=state, statement=statement,
                                                              before_id=before_id, limit=PAGE))
    return render_template("console/cashapp/bank_lines.html", lines=lines, older=lines[-1]["id"] if more else None,
                           paged=before_id is not None, state=state, statement=statement, states=LINE_STATES,
                           words=STATE_WORDS)


def _flash_accepted(proposal_id: int, outcome, chosen: str) -> None:
    applied = ", ".join(f"{amount_text(a.amount)} to {a.number}" for a in outcome.applications if a.kind == "applied")
    credit = f" {amount_text(outcome.credit)} kept as customer credit." if outcome.credit > 0 else ""
    flash(f"Proposal {proposal_id} accepted{chosen}: payment {outcome.reference} applied "
          f"({applied or 'nothing left to apply'}).{credit}")


def _allocation_rows() -> list[dict[str, str]]:
    """The allocation form's filled rows as the service takes them (its rules are checked there)."""
    rows = []
    for n in range(1, ALLOCATION_ROWS + 1):
        invoice = (request.form.get(f"invoice_{n}") or "").strip()
        amount = (request.form.get(f"amount_{n}") or "").strip()
        if bool(invoice) != bool(amount):
            abort(400, f"row {n} of the allocation: give both the invoice number and the amount to apply to it")
        if invoice:
            rows.append({"invoice": invoice, "amount": amount})
    if not rows:
        abort(400, "name at least one invoice and the amount of the payment to apply to it")
    return rows


def _candidate() -> int:
    text = request.form.get("candidate") or "1"
    if not (text.isascii() and text.isdigit() and len(text) <= 3 and int(text) >= 1):
        abort(400, f"candidate must be a whole number from 1 (the best), not {text[:20]!r}")
    return int(text)


def _optional_reason() -> str | None:
    """The form's reason, when one was given (any candidate but the best needs one)."""
    if not (request.form.get("reason") or "").strip():
        return None
    return forms.reason()


@contextmanager
def _decision() -> Iterator[Session]:
    """A transaction deciding a proposal: 404 when it is missing, 400 for a choice that cannot be
    applied as given, 409 when the proposal is no longer open."""
    try:
        with current_hub().sessions.begin() as session:
            yield session
    except InvalidChoice as exc:
        abort(400, str(exc))
    except ProposalNotFound as exc:
        abort(404, str(exc))
    except ProposalError as exc:
        abort(409, str(exc))


def _back(proposal_id: int) -> str:
    if request.form.get("return_to") == "proposal":
        return url_for(".show", proposal_id=proposal_id)
    status = request.form.get("status")
    return url_for(".index", status=status if status in STATUSES else None)

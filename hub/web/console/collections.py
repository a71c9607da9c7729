"""Collections in the console: overdue invoices by customer, with their dunning level, disputes
and promises to pay, and the customers dunning put on credit hold.

    GET  /console/collections/            ?as_of=&after=<customer id>:<invoice id>   overdue
                                          invoices grouped by customer, oldest customer id first
    POST /console/collections/dispute     invoice=, reason= (or resolved=1)   admin, ar
    POST /console/collections/promise     invoice=, until=YYYY-MM-DD (or withdraw=1)   admin, ar

"Overdue" is hub.o2c.receivables' one definition; a disputed invoice, or one with a promise to
pay not yet due, is not dunned (hub.o2c.dunning.planner). Disputes and promises are written
with the functions ``o2c-hub dunning dispute|promise`` use, and each is an audit line.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import islice

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from hub.o2c.dunning import state
from hub.o2c.receivables import amount_still_due, days_past_due, is_overdue, may_be_overdue
from hub.store.o2c import Customer, Invoice
from hub.store.o2c_dunning import DunningNotice, InvoiceCollection
from hub.store.platform import AuditEntry
from hub.web.console.access import actor, requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.charts import amount_text
from hub.web.console.forms import text_field
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import EARLIEST_DAY, LATEST_DAY, query_date

bp = console_blueprint("console_collections", "/console/collections")
bp.add_app_template_filter(amount_text, "amount")
NAV = NavItem(label="Collections", endpoint="console_collections.index", permission="read")
PAGE = 100
SCAN = 2000  # invoice rows read per page at most, when many pass the SQL pre-filter but owe nothing
LISTED = 200


@bp.get("/")
@requires("read")
def index():
    as_of = query_date("as_of") or date.today()
    after = _after()
    customer = func.coalesce(Invoice.customer_id, 0)
    query = select(Invoice).where(may_be_overdue(as_of)).order_by(customer, Invoice.id).limit(SCAN)
    if after is not None:
        query = query.where(tuple_(customer, Invoice.id) > after)
    with current_hub().sessions() as session:
        rows, more = _overdue_page(session, query, as_of)
        groups = _by_customer(session, rows, as_of)
        open_items = _collection_items(session)
        holds = list(islice(state.credit_holds(session), LISTED))
    return render_template("console/collections/index.html", groups=groups, as_of=as_of, open_items=open_items,
                           holds=holds, more=f"{more[0]}:{more[1]}" if more else None, paged=after is not None)


def _overdue_page(session: Session, query, as_of: date) -> tuple[list[Invoice], tuple[int, int] | None]:
    """Up to PAGE overdue invoices, and the position after which the next page starts (None:
    nothing follows). The SQL pre-filter is checked at the currency's minor unit here."""
    rows, scanned, last = [], 0, None
    for row in session.scalars(query):
        scanned, last = scanned + 1, (row.customer_id or 0, row.id)
        if is_overdue(row.data, as_of):
            rows.append(row)
            if len(rows) == PAGE:
                return rows, last
    return rows, last if scanned == SCAN else None


def _after() -> tuple[int, int] | None:
    text = request.args.get("after") or ""
    if not text:
        return None
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        abort(400, "after must be the page link's customer:invoice position, such as 12:3456")
    return int(parts[0]), int(parts[1])


def _by_customer(session: Session, rows: list[Invoice], as_of: date) -> list[dict]:
    numbers = [row.number for row in rows]
    levels = _dunning_levels(session, numbers)
    states = {c.invoice_number: c for c in session.scalars(
        select(InvoiceCollection).where(InvoiceCollection.invoice_number.in_(numbers)))} if numbers else {}
    names = _customer_names(session, {row.customer_id for row in rows})
    # An invoice linked to no customer record is grouped by the party it names, never with others.
    groups: dict[int | str, dict] = {}
    for row in rows:
        key = row.customer_id if row.customer_id is not None else f"named:{_named_on(row)}"
        group = groups.setdefault(key, {
            "customer_id": row.customer_id, "name": names.get(row.customer_id) or _named_on(row),
            "invoices": [], "totals": {}})
        due = amount_still_due(row.data)
        group["totals"][row.currency] = group["totals"].get(row.currency, Decimal(0)) + due
        found = states.get(row.number)
        group["invoices"].append({
            "number": row.number, "currency": row.currency, "due_date": row.due_date, "amount_due": due,
            "days_past_due": days_past_due(row.data, as_of), "dunning": levels.get(row.number),
            "disputed": bool(found and found.disputed), "dispute_reason": found.dispute_reason if found else None,
            "promised_until": found.promised_until if found else None})
    return list(groups.values())


def _dunning_levels(session: Session, numbers: list[str]) -> dict[str, DunningNotice]:
    """The latest notice each invoice was listed in."""
    if not numbers:
        return {}
    rows = session.scalars(select(DunningNotice).where(DunningNotice.invoice_number.in_(numbers))
                           .order_by(DunningNotice.id))
    return {row.invoice_number: row for row in rows}


def _customer_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(Customer.id, Customer.name, Customer.email).where(Customer.id.in_(wanted)))
    return {cid: name or email or f"customer {cid}" for cid, name, email in rows}


def _named_on(row: Invoice) -> str:
    party = row.data.get("customer") or {}
    return party.get("name") or party.get("email") or "no customer the hub knows"


def _collection_items(session: Session) -> list[InvoiceCollection]:
    """Open disputes and promises to pay, most recently changed first."""
    return list(session.scalars(select(InvoiceCollection).where(
        InvoiceCollection.disputed | InvoiceCollection.promised_until.is_not(None))
        .order_by(InvoiceCollection.updated_at.desc(), InvoiceCollection.id.desc()).limit(LISTED)))


@bp.post("/dispute")
@requires("worklist")
def dispute():
    number, resolved = _invoice(), request.form.get("resolved") == "1"
    reason = None if resolved else text_field("reason", "say what the customer disputes")
    with current_hub().sessions.begin() as session:
        _known(session, number)
        state.set_dispute(session, number, disputed=not resolved, reason=reason)
        what = "dispute closed" if resolved else f"dispute opened; reason: {reason}"
        _audit(session, "collections.dispute", f"invoice {number}: {what} by {actor()}")
    flash(f"{number}: {'dispute closed, dunning resumes' if resolved else 'disputed, it is not dunned'}.")
    return redirect(url_for(".index"))


@bp.post("/promise")
@requires("worklist")
def promise():
    number, withdraw = _invoice(), request.form.get("withdraw") == "1"
    until = None if withdraw else _date("until")
    if until is not None and until < date.today():
        abort(400, f"a promise to pay is for a day to come, not {until.isoformat()}; the day it was made "
                   "is in the audit log")
    with current_hub().sessions.begin() as session:
        _known(session, number)
        state.set_promise(session, number, until)
        what = "promise to pay withdrawn" if withdraw else f"promise to pay by {until}"
        _audit(session, "collections.promise", f"invoice {number}: {what}, recorded by {actor()}")
    flash(f"{number}: {'promise withdrawn, dunning resumes' if withdraw else f'promised by {until}, not dunned until then'}.")
    return redirect(url_for(".index"))


def _invoice() -> str:
    return text_field("invoice", "name the invoice (its number)", limit=200)



def _date(field: str) -> date:
    text = request.form.get(field) or ""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        abort(400, f"give the promised payment date as a date such as 2026-12-15, not {text[:40]!r}")
    return day


def _known(session: Session, number: str) -> None:
    if session.scalar(select(Invoice.id).where(Invoice.kind == "invoice", Invoice.number == number)) is None:
        abort(404, f"there is no invoice {number}")


def _audit(session: Session, kind: str, detail: str) -> None:
    session.add(AuditEntry(kind=kind, detail=detail, remote_addr=request.remote_addr))

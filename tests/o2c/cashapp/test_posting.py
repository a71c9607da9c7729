"""Posting many decisions at once writes what the store's one-by-one writes write: the
applications inserted in one statement are the rows one upsert each stores, and the invoices
settled in one UPDATE read back (in the session that holds them, too) as settled."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from hub.o2c.cashapp.allocation import Line
from hub.o2c.cashapp.posting import Posting, post
from hub.o2c.records import store_new_records
from hub.store.o2c import Invoice, PaymentApplication
from hub.store.upsert import upsert

APPLIED_AT = "2024-03-30T12:00:00+00:00"
RECORDS = [
    {"payment": "bt-1", "invoice": "INV-2024-00042", "amount": Decimal("119.00"), "currency": "EUR",
     "kind": "applied", "applied_at": APPLIED_AT},
    {"payment": "bt-2", "invoice": "INV-2024-00045", "amount": Decimal("980.00"), "currency": "EUR",
     "kind": "applied", "applied_at": APPLIED_AT},
    {"payment": "bt-2", "invoice": "INV-2024-00045", "amount": Decimal("20.00"), "currency": "EUR",
     "kind": "discount", "reason": "early-payment discount of 2 % (paid by 2024-03-11)", "applied_at": APPLIED_AT},
    {"payment": "bt-3", "amount": Decimal("5.10"), "currency": "EUR", "kind": "credit",
     "reason": "overpayment kept as customer credit", "applied_at": APPLIED_AT},
    {"payment": "bt-4", "invoice": "INV-NOT-STORED", "amount": "1.5", "currency": "EUR", "kind": "applied"},
]
SKIPPED = {"id", "created_at", "updated_at"}


def rows(session, ids: list[int]) -> list[dict]:
    found = {row.id: row for row in session.scalars(select(PaymentApplication).where(PaymentApplication.id.in_(ids)))}
    return [{c.key: getattr(found[i], c.key) for c in PaymentApplication.__table__.columns if c.key not in SKIPPED}
            for i in ids]


def test_applications_stored_at_once_are_the_rows_one_by_one_upserts_store(session):
    savepoint = session.begin_nested()
    one_by_one = rows(session, [upsert(session, "payment_application", record).id for record in RECORDS])
    savepoint.rollback()
    at_once = store_new_records(session, "payment_application", RECORDS)
    session.expire_all()
    assert len(at_once) == len(RECORDS) and at_once == sorted(at_once)
    assert rows(session, at_once) == one_by_one
    assert rows(session, at_once)[1]["invoice_id"] == session.scalar(
        select(Invoice.id).where(Invoice.number == "INV-2024-00045"))
    assert rows(session, at_once)[4]["invoice_id"] is None  # an invoice the store does not hold


def test_settled_invoices_read_back_settled_in_the_session_holding_them(session):
    held = session.scalar(select(Invoice).where(Invoice.number == "INV-2024-00043"))
    assert held.amount_due == Decimal("80.5000")
    lines = (Line(invoice_id=held.id, number="INV-2024-00043", kind="applied", amount=Decimal("30.25")),
             Line(invoice_id=0, number="INV-2024-00042", kind="applied", amount=Decimal("119.00")))
    dues = post(session, [Posting(payment_reference="bt-9", currency="EUR", lines=lines)])
    assert dues == {"INV-2024-00043": Decimal("50.25"), "INV-2024-00042": Decimal("0.00")}
    assert (held.amount_due, held.status, held.data["amount_due"], held.data["status"]) == \
        (Decimal("50.2500"), "partially_paid", "50.25", "partially_paid")
    session.commit()
    stored = {i.number: (i.amount_due, i.status, i.data["amount_due"], i.data["status"], i.data["total"])
              for i in session.scalars(select(Invoice).execution_options(populate_existing=True))}
    assert stored["INV-2024-00042"] == (Decimal("0.0000"), "paid", "0.00", "paid", "119.00")
    assert stored["INV-2024-00043"][:4] == (Decimal("50.2500"), "partially_paid", "50.25", "partially_paid")

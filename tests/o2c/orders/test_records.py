"""Order statuses stay current as records are stored: store_record is the store's upsert, then the
order's status derived again; the store itself derives nothing."""

from __future__ import annotations

from sqlalchemy import event

from hub.o2c.records import store_record, store_records
from hub.store.o2c import Payment, SalesOrder
from hub.store.o2c_cash import CustomerIban
from hub.store.upsert import upsert

ORDER = {"number": "SO-7", "currency": "EUR", "status": "booked", "customer": {"email": "ap@acme.example"},
         "lines": [{"sku": "TEA", "quantity": "2", "unit_price": "10.00"}], "totals": {"total": "20.00"}}


def status(session, number: str = "SO-7") -> str | None:
    session.flush()
    return session.query(SalesOrder.status).filter_by(number=number).scalar()


def shipment(quantity: str) -> dict:
    return {"order_number": "SO-7", "number": f"F-{quantity}", "lines": [{"sku": "TEA", "quantity": quantity}]}


def invoice(status_: str, due: str) -> dict:
    return {"number": "INV-7", "order_number": "SO-7", "currency": "EUR", "status": status_, "total": "20.00",
            "amount_due": due, "lines": [{"sku": "TEA", "quantity": "2", "unit_price": "10.00"}]}


def test_each_stored_fact_moves_the_order_along_its_life_cycle(session):
    steps = [("sales_order", ORDER, "booked"),
             ("fulfillment", shipment("1"), "partially_fulfilled"),
             ("fulfillment", shipment("2"), "awaiting_billing"),
             ("invoice", invoice("open", "20.00"), "invoiced"),
             ("invoice", invoice("paid", "0.00"), "closed")]
    seen = []
    for entity, record, _ in steps:
        store_record(session, entity, record)
        seen.append(status(session))
    assert seen == [expected for _, _, expected in steps]


def test_an_order_stored_after_its_facts_gets_its_derived_status(session):
    store_record(session, "fulfillment", shipment("2"))
    store_record(session, "sales_order", ORDER)
    assert status(session) == "awaiting_billing"


def test_an_unchanged_record_leaves_the_order_alone(session):
    store_record(session, "sales_order", ORDER)
    session.query(SalesOrder).filter_by(number="SO-7").update({"status": "booked-by-hand"})
    result = store_record(session, "sales_order", ORDER)
    assert (result.changed, status(session)) == (False, "booked-by-hand")


def test_the_store_alone_keeps_the_status_the_source_gave(session):
    upsert(session, "sales_order", {**ORDER, "status": "invoiced"})
    upsert(session, "fulfillment", shipment("2"))
    assert status(session) == "invoiced"  # derived only through hub.o2c.records


def test_records_stored_together_move_the_order_as_stored_one_by_one(session):
    results = store_records(session, "fulfillment", [(shipment("1"), None), (shipment("2"), ("wms", "F-2"))])
    store_records(session, "sales_order", [(ORDER, ("shop", "7"))])
    assert [r.created for r in results] == [True, True]
    assert status(session) == "awaiting_billing"


def test_payments_stored_together_still_make_their_payer_accounts_known(session):
    customer = store_record(session, "customer", {"email": "ap@acme.example", "name": "Acme"})
    party = {"email": "ap@acme.example", "bank_accounts": [{"iban": "NL91ABNA0417164300"}]}
    payments = [({"reference": f"P{i}", "amount": "10.00", "currency": "EUR", "customer": party}, None) for i in (1, 2)]
    results = store_records(session, "payment", payments)
    assert [r.created for r in results] == [True, True]
    assert [(row.iban, row.customer_id) for row in session.query(CustomerIban)] == [("NL91ABNA0417164300", customer.id)]
    assert "bank_accounts" not in session.get(Payment, results[0].id).data["customer"]


def test_a_new_order_is_not_read_back_to_derive_its_status(session):
    """The upsert hands its row on: once inserted, an order is not read again to derive its
    status (the session holds rows only weakly, so a look-up by id would read it)."""
    sent: list[str] = []
    engine = session.get_bind()
    listen = lambda conn, cursor, statement, *rest: sent.append(" ".join(statement.split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        store_record(session, "sales_order", {**ORDER, "number": "SO-8"})
        session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    inserted = next(i for i, s in enumerate(sent) if s.startswith("INSERT INTO sales_orders "))
    assert not [s for s in sent[inserted:] if s.startswith("SELECT sales_orders.")]
    assert status(session, "SO-8") == "booked"

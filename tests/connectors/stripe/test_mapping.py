"""Every Stripe sample about payments, charges, invoices, refunds, balance transactions and
customers maps to a valid canonical record; minor units become exact amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.stripe import mapping
from hub import jsonutil
from hub import canonical
from hub.errors import InvalidRecordError
from tests.support.fixtures import FIXTURES as SHARED

FIXTURES = SHARED / "stripe"


def fixture(name: str) -> dict:
    return jsonutil.loads((FIXTURES / name).read_text("utf-8"))


def event(kind: str, obj: dict, **extra) -> dict:
    return {"id": "evt_1", "object": "event", "type": kind, "data": {"object": obj}, **extra}


@pytest.mark.parametrize(("name", "mapper", "entity", "amount"), [
    ("payment_intent.json", mapping.payment_intent_to_payment, "payment", "10.99"),
    ("charge.json", mapping.charge_to_payment, "payment", "1.00"),
    ("refund.json", mapping.refund_to_payment, "payment", "-1.00"),
    ("invoice.json", mapping.invoice_to_payment, "payment", "0.00"),
    ("balance_transaction.json", mapping.balance_transaction_to_payment, "payment", "1.00"),
    ("invoice.json", mapping.invoice_to_invoice, "invoice", None),
    ("credit_note.json", mapping.credit_note_to_invoice, "invoice", None),
    ("customer.json", mapping.customer_to_customer, "customer", None),
], ids=["payment_intent", "charge", "refund", "invoice-paid", "balance_transaction", "invoice", "credit_note", "customer"])
def test_every_fixture_maps_to_a_valid_record(name, mapper, entity, amount):
    record = canonical.check(entity, mapper(fixture(name)))
    if amount is not None:
        assert record["amount"] == Decimal(amount) and record["currency"] == "USD"


def test_payment_intent_reference_status_and_method():
    record = canonical.check("payment", mapping.payment_intent_to_payment(fixture("payment_intent.json")))
    assert record["reference"] == "pi_1PgafyB7WZ01zgkWSjxsAJo3"
    assert (record["status"], record["method"]) == ("pending", "card")  # requires_payment_method
    assert record["received_at"] == "2009-02-13T23:31:30+00:00"  # normalized to UTC


def test_succeeded_payment_intent_uses_the_amount_received_with_payer_and_invoice_number():
    intent = {**fixture("payment_intent.json"), "status": "succeeded", "amount_received": 1099,
              "metadata": {"invoice_number": "INV-2024-0001"}, "customer": "cus_QXg1o8vcGmoR32",
              "latest_charge": {**fixture("charge.json"), "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"}}}
    record = canonical.check("payment", mapping.event_to_payment(event("payment_intent.succeeded", intent)))
    assert (record["amount"], record["status"]) == (Decimal("10.99"), "received")
    assert record["payer"] == {"name": "Jenny Rosen", "email": "jenny@example.com"}
    assert record["remittance_info"] == "INV-2024-0001"
    assert record["customer"]["external_refs"] == [{"system": "stripe", "id": "cus_QXg1o8vcGmoR32"}]


def test_charge_of_a_payment_intent_is_referenced_by_the_intent():
    charge = {**fixture("charge.json"), "payment_intent": "pi_1PgafyB7WZ01zgkWSjxsAJo3", "captured": True,
              "balance_transaction": {**fixture("balance_transaction.json"), "fee": 59}}
    record = canonical.check("payment", mapping.event_to_payment(event("charge.succeeded", charge)))
    assert (record["reference"], record["status"], record["fee"]) == ("pi_1PgafyB7WZ01zgkWSjxsAJo3", "received", Decimal("0.59"))
    assert record["attributes"]["stripe_charge"] == "ch_1PgafuB7WZ01zgkWXYmPNZs8"


def test_charge_refunded_maps_the_newest_refund_as_a_negative_payment():
    charge = {**fixture("charge.json"), "refunded": True, "amount_refunded": 100,
              "refunds": {"object": "list", "data": [fixture("refund.json")], "has_more": False}}
    record = canonical.check("payment", mapping.event_to_payment(event("charge.refunded", charge)))
    assert (record["reference"], record["amount"], record["status"]) == ("re_1Pgc72B7WZ01zgkWqPvrRrPE", Decimal("-1.00"), "refunded")
    assert record["payer"] == {"name": "Jenny Rosen"}


def test_charge_refunded_names_the_invoice_of_the_charge_when_the_refund_names_none():
    refund = {**fixture("refund.json"), "metadata": {}}
    charge = {**fixture("charge.json"), "refunded": True, "amount_refunded": 100,
              "metadata": {"invoice_number": "INV-7"}, "refunds": {"object": "list", "data": [refund]}}
    record = canonical.check("payment", mapping.event_to_payment(event("charge.refunded", charge)))
    assert (record["attributes"]["invoice_number"], record["remittance_info"]) == ("INV-7", "INV-7")
    own = {**refund, "metadata": {"invoice_number": "INV-8"}}
    charge["refunds"]["data"] = [own]
    record = mapping.event_to_payment(event("charge.refunded", charge))
    assert record["attributes"]["invoice_number"] == "INV-8"


def test_charge_refunded_without_the_refund_list_is_the_charge_not_a_refund():
    # since API version 2022-11-15 a charge lists no refunds; amount_refunded is a running total
    first = {**fixture("charge.json"), "payment_intent": "pi_1", "captured": True, "refunded": False,
             "amount_refunded": 30}
    second = {**first, "amount_refunded": 50}
    records = [canonical.check("payment", mapping.event_to_payment(event("charge.refunded", charge)))
               for charge in (first, second)]
    assert [(r["reference"], r["amount"], r["status"]) for r in records] == [
        ("pi_1", Decimal("1.00"), "received"), ("pi_1", Decimal("1.00"), "received")]
    assert [r["attributes"]["amount_refunded"] for r in records] == [Decimal("0.30"), Decimal("0.50")]
    whole = mapping.event_to_payment(event("charge.refunded", {**first, "refunded": True, "amount_refunded": 100}))
    assert (whole["amount"], whole["status"]) == (Decimal("1.00"), "refunded")


def refund(refund_id: str, amount: int, currency: str = "eur", status: str = "succeeded", **extra) -> dict:
    """A refund object as refund.created carries it (API 2022-11-15 and later)."""
    return {**fixture("refund.json"), "id": refund_id, "amount": amount, "currency": currency, "status": status,
            "charge": "ch_1", "payment_intent": "pi_1", "created": 1700000000, **extra}


def test_refund_created_is_the_whole_refund_as_a_negative_payment_of_its_payment_intent():
    record = canonical.check("payment", mapping.event_to_payment(
        event("refund.created", refund("re_full", 11900), created=1700000001)))
    assert (record["reference"], record["amount"], record["currency"], record["status"]) == (
        "re_full", Decimal("-119.00"), "EUR", "refunded")
    assert (record["attributes"]["refunded_payment"], record["attributes"]["stripe_charge"]) == ("pi_1", "ch_1")
    assert record["external_refs"] == [{"system": "stripe", "id": "re_full", "version": "1700000001"}]
    assert "invoice_number" not in record["attributes"]  # a refund's metadata is usually empty


def test_two_partial_refunds_are_two_payments_each_of_its_own_amount():
    records = [canonical.check("payment", mapping.event_to_payment(event("refund.created", obj)))
               for obj in (refund("re_a", 3000), refund("re_b", 2000))]
    assert [(r["reference"], r["amount"]) for r in records] == [("re_a", Decimal("-30.00")), ("re_b", Decimal("-20.00"))]
    assert {r["attributes"]["refunded_payment"] for r in records} == {"pi_1"}


def test_a_pending_refund_is_pending_until_refund_updated_says_it_succeeded():
    pending = canonical.check("payment", mapping.event_to_payment(event("refund.created", refund("re_p", 500, status="pending"))))
    done = canonical.check("payment", mapping.event_to_payment(event("refund.updated", refund("re_p", 500))))
    assert (pending["reference"], pending["status"]) == ("re_p", "pending")
    assert (done["reference"], done["amount"], done["status"]) == ("re_p", Decimal("-5.00"), "refunded")
    failed = mapping.event_to_payment(event("refund.updated", refund("re_p", 500, status="failed")))
    assert failed["status"] == "failed"


def test_a_yen_refund_has_no_minor_unit_and_names_the_invoice_of_its_metadata():
    record = canonical.check("payment", mapping.event_to_payment(event("refund.created", refund(
        "re_jpy", 1500, currency="jpy", metadata={"invoice_number": "INV-JP-1"}))))
    assert (record["amount"], record["currency"]) == (Decimal("-1500"), "JPY")
    assert str(record["amount"]) == "-1500"
    assert record["attributes"]["invoice_number"] == "INV-JP-1"


def test_a_refund_of_a_charge_without_payment_intent_refunds_the_charge():
    record = mapping.event_to_payment(event("refund.created", refund("re_c", 100, payment_intent=None)))
    assert record["attributes"]["refunded_payment"] == "ch_1"


def test_invoice_paid_carries_the_invoice_number():
    invoice = {**fixture("invoice.json"), "status": "paid", "amount_paid": 1000, "number": "7FE1103-0001",
               "payment_intent": "pi_1PgafyB7WZ01zgkWSjxsAJo3", "customer_email": "jenny@example.com"}
    record = canonical.check("payment", mapping.event_to_payment(event("invoice.paid", invoice)))
    assert (record["reference"], record["amount"], record["remittance_info"]) == (
        "pi_1PgafyB7WZ01zgkWSjxsAJo3", Decimal("10.00"), "7FE1103-0001")
    assert record["payer"] == {"email": "jenny@example.com"}


@pytest.mark.parametrize(("currency", "units", "amount"), [
    ("jpy", 1099, "1099"), ("usd", 1099, "10.99"), ("kwd", 1099, "1.099"), ("eur", 5, "0.05"), ("isk", 10000, "100"),
], ids=["zero-decimal", "two-decimal", "three-decimal", "cents", "isk-sent-with-two-decimals"])
def test_minor_units_per_currency(currency, units, amount):
    intent = {**fixture("payment_intent.json"), "currency": currency, "amount": units}
    record = canonical.check("payment", mapping.payment_intent_to_payment(intent))
    assert record["amount"] == Decimal(amount) and record["currency"] == currency.upper()
    assert mapping.units_of(record["amount"], currency) == units


def test_invoice_and_credit_note_documents():
    invoice = canonical.check("invoice", mapping.invoice_to_invoice(fixture("invoice.json")))
    assert (invoice["status"], invoice["total"], invoice["amount_due"]) == ("draft", Decimal("10.00"), Decimal("10.00"))
    note = canonical.check("invoice", mapping.credit_note_to_invoice(fixture("credit_note.json")))
    assert (note["kind"], note["number"], note["credits_invoice"]) == ("credit_note", "ABCD-1234-CN-01", "in_1Pgc75B7WZ01zgkWYv4iMwt7")
    assert note["total"] == Decimal("16.90") == sum(line["line_total"] for line in note["lines"])


def test_customer_without_name_or_email_is_named_by_its_id():
    assert canonical.check("customer", mapping.customer_to_customer(fixture("customer.json")))["name"] == "cus_QXg1o8vcGmoR32"
    named = {**fixture("customer.json"), "email": "Jenny@Example.com"}
    assert "name" not in mapping.customer_to_customer(named)


def test_events_without_a_payment_are_refused():
    with pytest.raises(InvalidRecordError, match="customer.created"):
        mapping.event_to_payment(event("customer.created", fixture("customer.json")))


def test_refund_params_in_minor_units():
    assert mapping.refund_params({"payment": "pi_1", "amount": "10.5", "currency": "EUR"}) == {"payment_intent": "pi_1", "amount": 1050}
    assert mapping.refund_params({"payment": "ch_1"}) == {"charge": "ch_1"}
    with pytest.raises(InvalidRecordError, match="needs the currency"):
        mapping.refund_params({"payment": "pi_1", "amount": "10"})


def test_connection_mappings_take_events_and_objects():
    from connectors.stripe import StripeConnector

    connection = StripeConnector.from_config("stripe", {"api_key": "sk_test_x"})
    intent = fixture("payment_intent.json")
    assert connection.mappings()["payment"](event("payment_intent.succeeded", intent))["reference"] == intent["id"]
    assert connection.mappings()["payment"](fixture("refund.json"))["amount"] == Decimal("-1.00")
    assert connection.mappings()["invoice"](event("invoice.paid", fixture("invoice.json")))["number"] == "in_1Pgc6tB7WZ01zgkWu9fdqL6I"
    connection.close()


def test_a_record_from_an_event_is_versioned_by_the_event_and_a_bare_object_is_not():
    from connectors.stripe import StripeConnector

    connection = StripeConnector.from_config("stripe", {"api_key": "sk_test_x"})
    intent, invoice = fixture("payment_intent.json"), fixture("invoice.json")
    paid = connection.mappings()["payment"](event("payment_intent.succeeded", intent, created=1733566502))
    document = connection.mappings()["invoice"](event("invoice.updated", invoice, created=1733566503))
    assert paid["external_refs"] == [{"system": "stripe", "id": intent["id"], "version": "1733566502"}]
    assert document["external_refs"] == [{"system": "stripe", "id": invoice["id"], "version": "1733566503"}]
    assert canonical.check("payment", paid)["external_refs"][0]["version"] == "1733566502"
    assert "version" not in connection.mappings()["payment"](intent)["external_refs"][0]
    assert "version" not in mapping.event_to_payment(event("payment_intent.succeeded", intent))["external_refs"][0]
    connection.close()

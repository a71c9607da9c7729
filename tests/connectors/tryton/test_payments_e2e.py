"""record_payment against a real trytond: full, partial, split and overpaid payments, customer
credit, retries after a crash, and an invoice in a currency other than the company's (JPY)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hub.connector import ActionContext
from hub.errors import FatalError, RetriableError

pytestmark = pytest.mark.e2e

CTX = ActionContext(idempotency_key="test")


def call(erp, action: str, payload):
    return erp.actions()[action](payload, CTX)


def posted_invoice(erp, name: str, price: str, currency: str = "EUR") -> dict:
    """A posted invoice of one line at ``price`` for a customer of its own."""
    order = {"number": f"SO-PAY-{name}", "currency": currency, "payment_term": "Direct",
             "customer": {"name": f"Payer {name}", "email": f"{name.lower()}@payer.example"},
             "billing_address": {"line1": "Pay Street 1", "city": "Berlin", "postal_code": "10115"},
             "lines": [{"sku": f"PAY-{currency}", "description": "Item", "quantity": "1", "unit_price": price}]}
    call(erp, "create_sale", order)
    invoice, = call(erp, "post_invoice", {"order_number": order["number"]})
    return invoice


def pay(erp, invoice: dict, reference: str, amount: str, currency: str = "EUR") -> dict:
    payment = {"reference": reference, "amount": amount, "currency": currency, "value_date": dt.date.today().isoformat()}
    return call(erp, "record_payment", {"invoice": {"number": invoice["number"]}, "payment": payment})


def tryton_invoice(erp, invoice: dict) -> dict:
    row, = erp.client.search_read("account.invoice", [("number", "=", invoice["number"])],
                                  ["state", "amount_to_pay", "party", "payment_lines", "account"])
    return row


def receivable_balance(erp, party_id: int) -> Decimal:
    """Σ debit − credit of the party's posted lines on receivable accounts (company currency)."""
    lines = erp.client.search_read("account.move.line", [
        ("party", "=", party_id), ("account.type.receivable", "=", True), ("move.state", "=", "posted")],
        ["debit", "credit"])
    return sum((line["debit"] - line["credit"] for line in lines), Decimal(0))


def credit_moves(erp, reference: str) -> list[dict]:
    return erp.client.search_read("account.move", [("description", "=", f"{reference} (overpayment)")],
                                  ["state", "journal", "lines"])


def test_full_payment_pays_the_invoice(erp):
    invoice = posted_invoice(erp, "FULL", "100.00")
    result = pay(erp, invoice, "pay-full", "100.00")
    assert (result["applied"], result["credit"], result["credit_move"]) == (Decimal("100.00"), Decimal("0.00"), None)
    assert result["invoice"]["status"] == "paid" and result["invoice"]["amount_due"] == Decimal("0.00")
    assert tryton_invoice(erp, invoice)["amount_to_pay"] == 0
    assert credit_moves(erp, "pay-full") == []


def test_partial_payment_leaves_the_rest_to_pay_to_the_cent(erp):
    invoice = posted_invoice(erp, "PART", "100.00")
    result = pay(erp, invoice, "pay-part", "40.01")
    assert (result["applied"], result["credit"]) == (Decimal("40.01"), Decimal("0.00"))
    assert result["invoice"]["status"] == "partially_paid" and result["invoice"]["amount_due"] == Decimal("59.99")
    row = tryton_invoice(erp, invoice)
    assert (row["state"], row["amount_to_pay"]) == ("posted", Decimal("59.99"))
    assert receivable_balance(erp, row["party"]) == Decimal("59.99")


def test_a_payment_split_in_two_pays_the_invoice(erp):
    invoice = posted_invoice(erp, "SPLIT", "100.01")
    first = pay(erp, invoice, "pay-split-1", "33.34")
    assert tryton_invoice(erp, invoice)["amount_to_pay"] == Decimal("66.67")
    second = pay(erp, invoice, "pay-split-2", "66.67")
    assert (first["applied"], second["applied"], second["credit"]) == (Decimal("33.34"), Decimal("66.67"), 0)
    row = tryton_invoice(erp, invoice)
    assert row["amount_to_pay"] == 0 and second["invoice"]["status"] == "paid"
    assert receivable_balance(erp, row["party"]) == 0


def test_overpayment_pays_the_invoice_and_books_the_rest_as_customer_credit(erp):
    invoice = posted_invoice(erp, "OVER", "100.00")
    result = pay(erp, invoice, "pay-over", "112.34")
    assert (result["applied"], result["credit"]) == (Decimal("100.00"), Decimal("12.34"))
    assert result["applied"] + result["credit"] == Decimal("112.34")
    row = tryton_invoice(erp, invoice)
    assert row["amount_to_pay"] == 0 and result["invoice"]["status"] == "paid"

    move, = credit_moves(erp, "pay-over")
    assert move["id"] == result["credit_move"] and move["state"] == "posted"
    method, = erp.client.search_read("account.invoice.payment.method", [("name", "=", "Cash")],
                                     ["journal", "debit_account"])
    assert move["journal"] == method["journal"]
    lines = erp.client.read("account.move.line", move["lines"], ["account", "debit", "credit", "party"])
    by_side = {("debit" if line["debit"] else "credit"): line for line in lines}
    assert (by_side["debit"]["account"], by_side["debit"]["debit"], by_side["debit"]["party"]) == \
        (method["debit_account"], Decimal("12.34"), None)
    assert (by_side["credit"]["account"], by_side["credit"]["credit"], by_side["credit"]["party"]) == \
        (row["account"], Decimal("12.34"), row["party"])
    assert receivable_balance(erp, row["party"]) == Decimal("-12.34")
    party, = erp.client.read("party.party", [row["party"]], ["receivable"])
    assert party["receivable"] == Decimal("-12.34")  # what Tryton shows on the customer


def test_a_payment_on_a_paid_invoice_becomes_customer_credit(erp):
    invoice = posted_invoice(erp, "PAID", "50.00")
    pay(erp, invoice, "pay-paid-1", "50.00")
    result = pay(erp, invoice, "pay-paid-2", "25.00")
    assert (result["applied"], result["credit"], result["payment_line"]) == (Decimal("0.00"), Decimal("25.00"), None)
    assert len(credit_moves(erp, "pay-paid-2")) == 1
    assert receivable_balance(erp, tryton_invoice(erp, invoice)["party"]) == Decimal("-25.00")


def test_the_same_overpayment_sent_twice_is_booked_once(erp):
    invoice = posted_invoice(erp, "TWICE", "80.00")
    first = pay(erp, invoice, "pay-twice", "90.00")
    again = pay(erp, invoice, "pay-twice", "90.00")
    assert first == again
    row = tryton_invoice(erp, invoice)
    assert len(row["payment_lines"]) == 1 and len(credit_moves(erp, "pay-twice")) == 1
    assert receivable_balance(erp, row["party"]) == Decimal("-10.00")


def test_a_retry_after_a_crash_between_the_wizard_and_the_credit_move_books_once(erp, monkeypatch):
    invoice = posted_invoice(erp, "CRASH", "70.00")

    def crash(*args, **kwargs):
        raise RetriableError("connection lost")

    monkeypatch.setattr(erp.invoices, "book_credit", crash)
    with pytest.raises(RetriableError):
        pay(erp, invoice, "pay-crash", "75.55")
    assert tryton_invoice(erp, invoice)["amount_to_pay"] == 0 and credit_moves(erp, "pay-crash") == []
    monkeypatch.undo()
    result = pay(erp, invoice, "pay-crash", "75.55")
    assert (result["applied"], result["credit"]) == (Decimal("70.00"), Decimal("5.55"))
    row = tryton_invoice(erp, invoice)
    assert len(row["payment_lines"]) == 1 and len(credit_moves(erp, "pay-crash")) == 1
    assert receivable_balance(erp, row["party"]) == Decimal("-5.55")


def test_a_credit_move_left_in_draft_by_a_crash_is_posted_not_booked_again(erp, monkeypatch):
    invoice = posted_invoice(erp, "DRAFT", "20.00")
    monkeypatch.setattr(erp.invoices.credits.client, "model", _refusing_post(erp.client.model))
    with pytest.raises(RetriableError):
        pay(erp, invoice, "pay-draft", "21.00")
    assert [move["state"] for move in credit_moves(erp, "pay-draft")] == ["draft"]
    monkeypatch.undo()
    result = pay(erp, invoice, "pay-draft", "21.00")
    assert [move["state"] for move in credit_moves(erp, "pay-draft")] == ["posted"]
    assert result["credit"] == Decimal("1.00")
    assert receivable_balance(erp, tryton_invoice(erp, invoice)["party"]) == Decimal("-1.00")


def _refusing_post(model):
    def refusing(name, method, *args, **kwargs):
        if (name, method) == ("account.move", "post"):
            raise RetriableError("connection lost")
        return model(name, method, *args, **kwargs)
    return refusing


def test_a_payment_in_another_currency_than_the_invoice_is_refused(erp):
    invoice = posted_invoice(erp, "USD", "10.00")
    with pytest.raises(FatalError, match=r"payment pay-usd is in USD but invoice .* is in EUR"):
        pay(erp, invoice, "pay-usd", "10.00", currency="USD")
    assert tryton_invoice(erp, invoice)["amount_to_pay"] == Decimal("10.00")


@pytest.fixture
def yen(erp):
    """JPY (0 decimals) at 161 to the euro: the test database's rate, set here when it has none."""
    if not erp.client.search("currency.currency", [("code", "=", "JPY")]):
        euro, = erp.client.search_read("currency.currency", [("code", "=", "EUR")], ["rate"])
        erp.client.create("currency.currency", [{
            "name": "Yen", "code": "JPY", "symbol": "¥", "digits": 0, "rounding": Decimal(1),
            "rates": [("create", [{"date": dt.date(2000, 1, 1), "rate": euro["rate"] * 161}])]}])
    return "JPY"


def test_a_yen_overpayment_books_whole_yen_and_its_euro_value(erp, yen):
    invoice = posted_invoice(erp, "YEN", "1200", currency=yen)
    assert invoice["currency"] == "JPY" and invoice["total"] == Decimal("1200")
    result = pay(erp, invoice, "pay-yen", "1235", currency=yen)
    assert (result["applied"], result["credit"]) == (Decimal("1200"), Decimal("35"))
    assert result["invoice"]["status"] == "paid" and result["invoice"]["amount_due"] == Decimal("0")
    row = tryton_invoice(erp, invoice)
    move, = credit_moves(erp, "pay-yen")
    lines = erp.client.read("account.move.line", move["lines"],
                            ["debit", "credit", "amount_second_currency", "party"])
    receivable, = [line for line in lines if line["party"] == row["party"]]
    # 35 JPY at 161 to the euro is 0.2174 EUR, 0.22 in the company's currency
    assert (receivable["credit"], receivable["amount_second_currency"]) == (Decimal("0.22"), Decimal("-35"))
    assert receivable_balance(erp, row["party"]) == Decimal("-0.22")


# The pure parts, without a server.

@pytest.mark.parametrize(("amount", "due", "currency", "expected"), [
    ("100.00", "100.00", "EUR", ("100.00", "0.00")),
    ("40.01", "100.00", "EUR", ("40.01", "0.00")),
    ("112.34", "100.00", "EUR", ("100.00", "12.34")),
    ("25.00", "0", "EUR", ("0.00", "25.00")),
    ("25.00", "-3.00", "EUR", ("0.00", "25.00")),
    ("1235", "1200", "JPY", ("1200", "35")),
], ids=["full", "partial", "over", "paid", "credit-note", "yen"])
def test_split_payment(amount, due, currency, expected):
    from hub.o2c.settlement import split_payment

    applied, credit = split_payment(Decimal(amount), Decimal(due), currency)
    assert (str(applied), str(credit)) == expected


def test_credit_move_values_in_a_foreign_currency():
    from connectors.tryton.credits import CreditBooking, credit_move_values

    booking = CreditBooking(amount=Decimal(35), company_amount=Decimal("0.22"), currency_id=7, company_id=1,
                            journal_id=2, period_id=3, date=dt.date(2026, 1, 5), debit_account_id=4,
                            receivable_account_id=5, party_id=6, description="pi_1 (overpayment)")
    values = credit_move_values(booking)
    (_create, (debit, credit)), = values["lines"]
    assert {k: values[k] for k in ("company", "journal", "period", "description")} == \
        {"company": 1, "journal": 2, "period": 3, "description": "pi_1 (overpayment)"}
    assert (debit["account"], debit["debit"], debit["amount_second_currency"], "party" in debit) == \
        (4, Decimal("0.22"), Decimal(35), False)
    assert (credit["account"], credit["credit"], credit["amount_second_currency"], credit["party"]) == \
        (5, Decimal("0.22"), Decimal(-35), 6)


def test_company_amount_rounds_half_even_like_tryton():
    from connectors.tryton.credits import company_amount

    assert company_amount(Decimal(35), rate=Decimal(320), company_rate=Decimal(2),
                          rounding=Decimal("0.01")) == Decimal("0.22")
    assert company_amount(Decimal(1), rate=Decimal(8), company_rate=Decimal("0.2"),
                          rounding=Decimal("0.01")) == Decimal("0.02")  # 0.025 → 0.02

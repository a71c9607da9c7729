"""The read-only list actions against a real trytond: sales with their totals and taxes, invoice
payments by reference (with the credit an overpayment left, payments the ERP kept wholly as credit
and refunds paid out on no credit note), and the receivable per currency. Paging by id, against a
result set that changes between pages, is checked with a scripted client."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from connectors.tryton import ledger
from hub.connector import ActionContext

pytestmark = pytest.mark.e2e

CTX = ActionContext(idempotency_key="test")


def call(erp, action: str, payload=None):
    return erp.actions()[action](payload, CTX)


def taxed_order(number: str, net: str, tax: str, total: str, currency: str = "EUR") -> dict:
    """A sale of one line at ``net`` before a 19 % tax of ``tax``, for a customer of its own."""
    return {"number": number, "currency": currency, "payment_term": "Direct", "taxes_included": False,
            "customer": {"name": f"Ledger {number}", "email": f"{number.lower()}@ledger.example"},
            "billing_address": {"line1": "Ledger Street 1", "city": "Berlin", "postal_code": "10115"},
            "lines": [{"line_number": 1, "sku": f"LEDGER-{currency}", "description": "Item", "quantity": "1",
                       "unit_price": net, "line_total": net, "tax_lines": [{"rate": "0.19", "amount": tax}]}],
            "totals": {"total": total, "tax_total": tax}}


def invoiced(erp, order: dict) -> dict:
    call(erp, "create_sale", order)
    invoice, = call(erp, "post_invoice", {"order_number": order["number"]})
    return invoice


def pay(erp, invoice: dict, reference: str, amount: str, currency: str = "EUR") -> dict:
    payment = {"reference": reference, "amount": amount, "currency": currency, "value_date": dt.date.today().isoformat()}
    return call(erp, "record_payment", {"invoice": {"number": invoice["number"]}, "payment": payment})


def balance(erp, currency: str) -> dict:
    found = [row for row in call(erp, "receivable_balances", {}) if row["currency"] == currency]
    return found[0] if found else {"currency": currency, "invoices": Decimal("0.00"), "credit": Decimal("0.00"),
                                   "balance": Decimal("0.00")}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


def refund(erp, invoice: dict, reference: str, amount: str, currency: str = "EUR") -> dict:
    payment = {"reference": reference, "amount": f"-{amount}", "currency": currency, "value_date": dt.date.today().isoformat()}
    return call(erp, "refund_payment", {"invoice": {"number": invoice["number"]}, "payment": payment})


def paid_out(erp, invoice: dict, reference: str, amount: str) -> int:
    """The ``<reference> (refund paid out)`` move refund_payment books for money no credit note takes."""
    header = erp.invoices.credit_notes.header(int(invoice["external_refs"][0]["id"]), action="test")
    method, = erp.client.read("account.invoice.payment.method", [erp.invoices.method_id(action="test")],
                              ["journal", "credit_account"])
    payment = {"reference": reference, "amount": f"-{amount}", "currency": "EUR", "value_date": dt.date.today().isoformat()}
    return erp.invoices.credits.book_payout(header, payment, Decimal(amount), method=method,
                                            date=dt.date.today(), action="test")


def erp_payments(erp, references: set[str]) -> dict[str, Decimal]:
    """What the ERP booked per payment reference, as reconcile-payments adds it up."""
    found: dict[str, Decimal] = {}
    for invoice in call(erp, "list_invoice_payments", {}):
        for payment in invoice["payments"]:
            if payment["reference"] in references:
                found[payment["reference"]] = found.get(payment["reference"], 0) + payment["amount"] + payment["credit"]
    return found


def test_list_sales_orders_reports_each_sale_by_its_reference_with_tax(erp):
    number = unique("LSO-")
    call(erp, "create_sale", taxed_order(number, "100.00", "19.00", "119.00"))
    sales = [s for s in call(erp, "list_sales_orders", {}) if s["number"] == number]
    assert sales == [{"number": number, "total": Decimal("119.00"), "untaxed": Decimal("100.00"),
                      "tax": Decimal("19.00"), "currency": "EUR", "state": "processing"}]
    assert str(sales[0]["total"]) == "119.00"  # quantized to the currency


def test_list_sales_orders_since_leaves_older_sales_out(erp):
    number = unique("LSO-")
    call(erp, "create_sale", taxed_order(number, "10.00", "1.90", "11.90"))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert number in {s["number"] for s in call(erp, "list_sales_orders", {"since": dt.date.today().isoformat()})}
    assert number not in {s["number"] for s in call(erp, "list_sales_orders", {"since": tomorrow})}


def test_pages_of_results_give_the_same_list(erp, monkeypatch):
    for _ in range(3):
        call(erp, "create_sale", taxed_order(unique("LSP-"), "1.00", "0.19", "1.19"))
    whole = call(erp, "list_sales_orders", {})
    monkeypatch.setattr(ledger, "PAGE", 2)
    paged = call(erp, "list_sales_orders", {})
    assert paged == whole and len(paged) >= 3
    assert len({s["number"] for s in paged}) == len(paged)


def test_list_invoice_payments_gives_each_payment_by_reference(erp):
    order = taxed_order(unique("LIP-"), "100.00", "19.00", "119.00")
    invoice = invoiced(erp, order)
    first, second = unique("pi_a"), unique("pi_b")
    pay(erp, invoice, first, "19.00")
    pay(erp, invoice, second, "30.50")
    found, = [i for i in call(erp, "list_invoice_payments", {}) if i["invoice"] == invoice["number"]]
    assert found == {
        "invoice": invoice["number"], "order_number": order["number"], "currency": "EUR",
        "total": Decimal("119.00"), "paid": Decimal("49.50"), "amount_due": Decimal("69.50"),
        "payments": [{"reference": first, "amount": Decimal("19.00"), "credit": Decimal("0.00")},
                     {"reference": second, "amount": Decimal("30.50"), "credit": Decimal("0.00")}]}


def test_an_overpayment_shows_what_the_invoice_took_and_the_credit(erp):
    invoice = invoiced(erp, taxed_order(unique("LIO-"), "100.00", "19.00", "119.00"))
    reference = unique("pi_over")
    pay(erp, invoice, reference, "150.00")
    found, = [i for i in call(erp, "list_invoice_payments", {}) if i["invoice"] == invoice["number"]]
    assert (found["paid"], found["amount_due"]) == (Decimal("119.00"), Decimal("0.00"))
    assert found["payments"] == [{"reference": reference, "amount": Decimal("119.00"), "credit": Decimal("31.00")}]


def test_receivable_balances_follow_invoices_payments_and_credit(erp):
    before = balance(erp, "EUR")
    invoice = invoiced(erp, taxed_order(unique("LRB-"), "100.00", "19.00", "119.00"))
    posted = balance(erp, "EUR")
    assert posted["invoices"] - before["invoices"] == Decimal("119.00")
    assert posted["balance"] - before["balance"] == Decimal("119.00")

    pay(erp, invoice, unique("pi_part"), "19.00")
    assert balance(erp, "EUR")["balance"] - before["balance"] == Decimal("100.00")

    pay(erp, invoice, unique("pi_rest"), "120.00")  # 100.00 pays the rest, 20.00 is credit
    after = balance(erp, "EUR")
    assert after["invoices"] - before["invoices"] == Decimal("0.00")
    assert after["credit"] - before["credit"] == Decimal("20.00")
    assert after["balance"] - before["balance"] == Decimal("-20.00")
    assert after["balance"] == after["invoices"] - after["credit"]


def test_receivable_balances_keep_currencies_apart(erp):
    before = balance(erp, "JPY")
    invoice = invoiced(erp, taxed_order(unique("LRJ-"), "1000", "190", "1190", currency="JPY"))
    pay(erp, invoice, unique("pi_jpy"), "1500", currency="JPY")
    after = balance(erp, "JPY")
    assert after["credit"] - before["credit"] == Decimal("310")
    assert after["balance"] - before["balance"] == Decimal("-310")
    assert str(after["balance"]).lstrip("-").isdigit()  # no minor unit in yen


def test_a_payment_the_erp_kept_wholly_as_credit_is_listed_for_its_whole_amount(erp):
    invoice = invoiced(erp, taxed_order(unique("LIC-"), "100.00", "19.00", "119.00"))
    first, late = unique("pi_first"), unique("pi_late")
    pay(erp, invoice, first, "119.00")
    booked = pay(erp, invoice, late, "40.00")  # the invoice is paid already: all of it is credit
    assert (booked["applied"], booked["credit"]) == (Decimal("0.00"), Decimal("40.00"))
    listed = call(erp, "list_invoice_payments", {})
    assert erp_payments(erp, {first, late}) == {first: Decimal("119.00"), late: Decimal("40.00")}
    (entry,) = [i for i in listed if any(p["reference"] == late for p in i["payments"])]
    assert entry == {"invoice": None, "order_number": None, "currency": "EUR", "total": Decimal("0.00"),
                     "paid": Decimal("0.00"), "amount_due": Decimal("0.00"),
                     "payments": [{"reference": late, "amount": Decimal("0.00"), "credit": Decimal("40.00")}]}


def test_refunds_are_listed_negative_whether_paid_back_on_a_credit_note_or_outside_invoices(erp):
    invoice = invoiced(erp, taxed_order(unique("LIR-"), "100.00", "19.00", "119.00"))
    paid, whole, beyond = unique("pi_paid"), unique("re_whole"), unique("re_beyond")
    pay(erp, invoice, paid, "129.00")  # 10.00 kept as credit
    assert refund(erp, invoice, whole, "119.00")["payout_move"] is None  # paid back on its credit note
    paid_out(erp, invoice, beyond, "10.00")  # nothing left to credit: paid out on the receivable
    assert erp_payments(erp, {paid, whole, beyond}) == {
        paid: Decimal("129.00"), whole: Decimal("-119.00"), beyond: Decimal("-10.00")}


class ScriptedTryton:
    """A client over ``records`` (id → row) whose ``search`` honours ``id >`` clauses, offset and
    limit; ``between_pages`` runs after each search, as another user's change would."""

    def __init__(self, records: dict[int, dict], between_pages):
        self.records, self.between_pages, self.searches = records, between_pages, []

    def model(self, model, method, domain, offset, limit, order, *, action=None):
        after = max([value for field, op, value in domain if (field, op) == ("id", ">")], default=0)
        ids = sorted(i for i, row in self.records.items() if i > after and row["open"])[offset:offset + limit]
        self.searches.append(ids)
        self.between_pages(self)
        return ids

    def read(self, model, ids, fields, *, action=None):
        return [dict(self.records[i], id=i) for i in ids if i in self.records]


def test_pages_follow_the_last_id_so_a_record_leaving_the_result_skips_no_other(monkeypatch):
    monkeypatch.setattr(ledger, "PAGE", 2)

    def reconcile_the_first_line(client):
        client.records[1]["open"] = False  # reconciled while the first page is read

    client = ScriptedTryton({i: {"open": True} for i in range(1, 6)}, reconcile_the_first_line)
    pages = list(ledger.Ledger(client).pages("account.move.line", [], ["open"], action="test"))
    assert [[row["id"] for row in page] for page in pages] == [[1, 2], [3, 4], [5]]

"""Customer invoices: find, post, read as canonical records, and pay through the pay wizard.

An invoice is named in a payload by ``{"id": 12}``, ``{"number": "INV-1"}`` or
``{"order_number": "#1001"}`` (the invoice of that sale). Payments are idempotent by their
reference: the pay wizard writes it as the description of the payment line, and an
invoice already carrying a payment line with that description is not paid again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.tryton import mapping
from connectors.tryton.client import TrytonClient
from hub.errors import FatalError

INVOICE_FIELDS = ["number", "state", "invoice_date", "untaxed_amount", "tax_amount", "total_amount",
                  "amount_to_pay", "currency", "party", "write_date", "create_date", "lines_to_pay"]
PAYABLE_STATES = ("posted",)


class Invoices:
    """``account.invoice`` (type out) seen as canonical invoices."""

    def __init__(self, client: TrytonClient, *, payment_method: str | None = None):
        self.client = client
        self.payment_method = payment_method

    def find(self, ref: Mapping[str, Any], *, action: str) -> list[int]:
        """Ids of the customer invoices ``ref`` names (id, number or order_number)."""
        if ref.get("id") is not None:
            return [int(ref["id"])]
        if ref.get("number"):
            domain = [("number", "=", ref["number"])]
        elif ref.get("order_number"):
            domain = [("id", "in", self.sale_invoices(ref["order_number"], action=action))]
        else:
            raise FatalError("name the invoice by id, number or order_number", connection=self.client.connection,
                             action=action)
        ids = self.client.search("account.invoice", [("type", "=", "out"), *domain], order=[("id", "ASC")],
                                 action=action)
        if not ids:
            raise FatalError(f"no invoice matches {dict(ref)}", connection=self.client.connection, action=action)
        return ids

    def sale_invoices(self, order_number: str, *, action: str) -> list[int]:
        """The invoice ids of the sales whose reference is ``order_number``."""
        sales = self.client.search_read("sale.sale", [("reference", "=", order_number)], ["invoices"], action=action)
        return [invoice for sale in sales for invoice in sale["invoices"]]

    def post(self, ref: Mapping[str, Any], *, action: str = "post_invoice") -> list[dict[str, Any]]:
        """Post the named draft or validated invoices; already posted ones are left as they are."""
        ids = self.find(ref, action=action)
        rows = self.client.read("account.invoice", ids, ["state"], action=action)
        todo = [row["id"] for row in rows if row["state"] in ("draft", "validated")]
        if todo:
            self.client.model("account.invoice", "post", todo, action=action)
        return self.canonical(ids, action=action)

    def read(self, ref: Mapping[str, Any], *, action: str = "read_invoice") -> dict[str, Any]:
        """The first invoice ``ref`` names, as a canonical invoice."""
        return self.canonical(self.find(ref, action=action)[:1], action=action)[0]

    def open(self, domain: list | None = None, *, action: str = "list_open_invoices") -> list[dict[str, Any]]:
        """Every posted, not fully paid customer invoice, oldest first."""
        ids = self.client.search("account.invoice", [("type", "=", "out"), ("state", "=", "posted"), *(domain or [])],
                                 order=[("invoice_date", "ASC"), ("id", "ASC")], action=action)
        return self.canonical(ids, action=action)

    def canonical(self, ids: list[int], *, action: str) -> list[dict[str, Any]]:
        """The invoices ``ids`` as canonical records (with customer and order number)."""
        return [self.to_canonical(row, action=action)
                for row in self.client.read("account.invoice", ids, INVOICE_FIELDS, action=action)]

    def to_canonical(self, invoice: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """One ``account.invoice`` read → canonical invoice."""
        currency, = self.client.read("currency.currency", [invoice["currency"]], ["code"], action=action)
        party, = self.client.read("party.party", [invoice["party"]], ["name", "email"], action=action)
        customer = {"name": party["name"], "email": party["email"]}
        invoice = {**invoice, "due_date": self.due_date(invoice, action=action)}
        return mapping.invoice_from_tryton(invoice, currency=currency["code"], customer=customer,
                                           order_number=self.order_number(invoice["id"], action=action))

    def due_date(self, invoice: Mapping[str, Any], *, action: str) -> Any:
        """The earliest maturity of the lines to pay (Tryton keeps due dates there, set by the
        payment term when the invoice is posted); None before posting."""
        lines = invoice.get("lines_to_pay") or []
        if not lines:
            return None
        rows = self.client.read("account.move.line", list(lines), ["maturity_date"], action=action)
        dates = [r["maturity_date"] for r in rows if r.get("maturity_date")]
        return min(dates) if dates else None

    def order_number(self, invoice_id: int, *, action: str) -> str | None:
        """The reference of the sale the invoice was made from, if any."""
        sales = self.client.search_read("sale.sale", [("invoices", "=", invoice_id)], ["reference"], limit=1,
                                        action=action)
        return sales[0]["reference"] if sales else None

    def pay(self, payload: Mapping[str, Any], *, action: str = "record_payment") -> dict[str, Any]:
        """Record ``payload["payment"]`` on ``payload["invoice"]``, once per payment reference."""
        payment, invoice_id = payload["payment"], self.find(payload["invoice"], action=action)[0]
        invoice, = self.client.read("account.invoice", [invoice_id], INVOICE_FIELDS, action=action)
        existing = self.payment_line(invoice, payment["reference"], action=action)
        if existing is None:
            self.check_payable(invoice, action=action)
            self.run_pay_wizard(invoice, payment, action=action)
            existing = self.payment_line(invoice, payment["reference"], action=action)
        return {"payment_line": existing, "invoice": self.canonical([invoice_id], action=action)[0]}

    def payment_line(self, invoice: Mapping[str, Any], reference: str, *, action: str) -> int | None:
        """The id of the invoice's payment line written for ``reference``, if any."""
        current, = self.client.read("account.invoice", [invoice["id"]], ["payment_lines"], action=action)
        lines = self.client.read("account.move.line", current["payment_lines"],
                                 ["description", "move_description_used"], action=action)
        matches = [line["id"] for line in lines if reference in (line["description"], line["move_description_used"])]
        return matches[0] if matches else None

    def check_payable(self, invoice: Mapping[str, Any], *, action: str) -> None:
        """Refuse to pay a draft, cancelled or already paid invoice."""
        if invoice["state"] not in PAYABLE_STATES:
            raise FatalError(f"invoice {invoice.get('number') or invoice['id']} is {invoice['state']}, not open",
                             connection=self.client.connection, action=action)

    def run_pay_wizard(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], *, action: str) -> None:
        """``account.invoice.pay``: start form, then (for a partial amount) keep the rest open."""
        form = mapping.payment_form(payment, currency_id=self.currency_id(payment["currency"], action=action),
                                    method_id=self.method_id(action=action), payee_id=invoice["party"])
        steps = [("start", {}), ("choice", {"start": form})]
        if form["amount"] != invoice["amount_to_pay"]:
            steps.append(("pay", {"start": form, "ask": {"type": "partial", "lines": [], "payment_lines": []}}))
        self.client.wizard("account.invoice.pay", [invoice["id"]], "account.invoice", steps, action=action)

    def currency_id(self, code: str, *, action: str) -> int:
        """The ``currency.currency`` id of an ISO code."""
        ids = self.client.search("currency.currency", [("code", "=", code)], limit=1, action=action)
        if not ids:
            raise FatalError(f"Tryton has no currency {code}", connection=self.client.connection, action=action)
        return ids[0]

    def method_id(self, *, action: str) -> int:
        """The invoice payment method: the configured one by name, else the first one."""
        domain = [("name", "=", self.payment_method)] if self.payment_method else []
        ids = self.client.search("account.invoice.payment.method", domain, limit=1, order=[("id", "ASC")],
                                 action=action)
        if not ids:
            raise FatalError("Tryton has no invoice payment method" + (f" {self.payment_method!r}"
                             if self.payment_method else ""), connection=self.client.connection, action=action)
        return ids[0]

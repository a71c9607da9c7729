"""Customer invoices: find, post, read as canonical records, and pay through the pay wizard.

An invoice is named in a payload by ``{"id": 12}``, ``{"number": "INV-1"}`` or
``{"order_number": "#1001"}`` (the invoice of that sale).

A payment pays its invoice through the pay wizard up to the invoice's amount to pay; Tryton
refuses more than that as a partial payment, so the remainder of an overpayment (or all of a
payment on an invoice already paid) is booked as the customer's credit (connectors.tryton.credits).
Payments are idempotent by their reference at every step: the pay wizard writes it as the
description of the payment line, and an invoice already carrying a payment line with that
description is not paid again; the credit move is found by its description before one is
booked. A retry after a crash between the two books only what is missing.

Credit notes (connectors.tryton.refunds): a refund credits its invoice and books the money paid
back (``refund``); a cancelled order's invoices are cancelled while draft and credited once
posted (``withdraw``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.tryton import credits, mapping, refunds
from connectors.tryton.client import TrytonClient
from connectors.tryton.parties import Parties
from hub.errors import FatalError
from hub.money import quantize
from hub.o2c.settlement import payout_reference, split_payment

INVOICE_FIELDS = ["number", "state", "invoice_date", "untaxed_amount", "tax_amount", "total_amount",
                  "amount_to_pay", "currency", "party", "write_date", "create_date", "lines_to_pay",
                  "customer_payment_reference"]
PAY_FIELDS = [*INVOICE_FIELDS, "company", "account"]
PAYABLE_STATES = ("posted", "paid")  # a paid invoice takes a payment as the customer's credit


class Invoices:
    """``account.invoice`` (type out) seen as canonical invoices."""

    def __init__(self, client: TrytonClient, parties: Parties, *, payment_method: str | None = None):
        self.client, self.parties = client, parties
        self.payment_method = payment_method
        self.credits = credits.CustomerCredits(client)
        self.credit_notes = refunds.CreditNotes(self)

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
        """The invoices ``ids`` as canonical records (with customer, order number, lines and tax
        summary), in the order of Tryton's answer.

        The lines and taxes of all of them are read in one search each and paired with their
        invoice by its id.
        """
        rows = self.client.read("account.invoice", ids, INVOICE_FIELDS, action=action)
        lines = self.by_invoice("account.invoice.line", ids, mapping.INVOICE_LINE_FIELDS, action=action)
        taxes = self.by_invoice("account.invoice.tax", ids, mapping.INVOICE_TAX_FIELDS, action=action)
        credited = self.credited_invoices(lines, action=action)
        customers = self.parties.customers((row["party"] for row in rows), action=action)
        return [self.to_canonical(row, customers[row["party"]], action=action, lines=lines.get(row["id"], []),
                                  taxes=taxes.get(row["id"], []), credits_invoice=credited.get(row["id"]))
                for row in rows]

    def credited_invoices(self, lines: Mapping[int, list[Mapping[str, Any]]], *, action: str) -> dict[int, str]:
        """For each credit note among ``lines``' invoices, the number of the invoice it credits
        (where its lines came from), read in one call for all of them."""
        origins = {invoice_id: mapping.credited_line_ids(rows) for invoice_id, rows in lines.items()}
        wanted = sorted({line_id for ids in origins.values() for line_id in ids})
        numbers = {row["id"]: (row.get("invoice.") or {}).get("number")
                   for row in self.client.read("account.invoice.line", wanted, ["invoice.number"], action=action)}
        found = {}
        for invoice_id, ids in origins.items():
            credited = next((numbers[i] for i in ids if numbers.get(i)), None)
            if credited:
                found[invoice_id] = credited
        return found

    def by_invoice(self, model: str, ids: list[int], fields: list[str], *,
                   action: str) -> dict[int, list[dict[str, Any]]]:
        """The ``model`` rows (invoice lines or taxes) of the invoices ``ids``, by invoice id."""
        grouped: dict[int, list[dict[str, Any]]] = {}
        if not ids:
            return grouped
        for row in self.client.search_read(model, [("invoice", "in", list(ids))], fields, order=[("id", "ASC")],
                                           action=action):
            grouped.setdefault(row["invoice"], []).append(row)
        return grouped

    def to_canonical(self, invoice: Mapping[str, Any], customer: Mapping[str, Any], *, action: str,
                     lines: list[Mapping[str, Any]] = (), taxes: list[Mapping[str, Any]] = (),
                     credits_invoice: str | None = None) -> dict[str, Any]:
        """One ``account.invoice`` read, with its party as a customer reference and its line and
        tax rows, → canonical invoice."""
        currency, = self.client.read("currency.currency", [invoice["currency"]], ["code"], action=action)
        invoice = {**invoice, "due_date": self.due_date(invoice, action=action)}
        return mapping.invoice_from_tryton(invoice, currency=currency["code"], customer=customer,
                                           order_number=self.order_number(invoice["id"], action=action),
                                           lines=lines, taxes=taxes, credits_invoice=credits_invoice)

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
        """Record ``payload["payment"]`` on ``payload["invoice"]``, once per payment reference.

        The invoice takes up to its amount to pay through the pay wizard; what is left over
        (all of it when the invoice is already paid) is booked as the customer's credit.
        Returns ``{payment_line, invoice, applied, credit, credit_move}``; applied + credit is
        the payment's amount.
        """
        payment, invoice_id = payload["payment"], self.find(payload["invoice"], action=action)[0]
        invoice, = self.client.read("account.invoice", [invoice_id], PAY_FIELDS, action=action)
        currency = self.check_payable(invoice, payment, action=action)
        amount = quantize(payment["amount"], currency)
        line = self.payment_line(invoice, payment["reference"], action=action)
        if line is None:
            applied, _ = split_payment(amount, invoice["amount_to_pay"] or 0, currency)
            line = self.apply(invoice, payment, applied, action=action) if applied else None
        applied = self.line_amount(line, invoice, currency, action=action) if line else quantize(0, currency)
        credit = amount - applied
        credit_move = self.book_credit(invoice, payment, credit, action=action) if credit > 0 else None
        return {"payment_line": line, "invoice": self.canonical([invoice_id], action=action)[0],
                "applied": applied, "credit": credit, "credit_move": credit_move}

    def refund(self, payload: Mapping[str, Any], *, action: str = "refund_payment") -> dict[str, Any]:
        """Credit the invoices of refund ``payload["payment"]`` (a negative payment) and book the
        money paid back, once per refund reference.

        ``payload["invoice"]`` names one invoice, or the order whose posted invoices share the
        refund (connectors.tryton.refunds). Returns ``{invoice, credit_note, credit_notes,
        credited, paid_out, payout_move}``: the invoice credited first, the credit notes made for
        this refund as the hub keeps credit notes (``credit_note`` the first, None when nothing
        was left to credit), what they credit together, and the refunded amount.
        """
        payment = payload["payment"]
        invoices = self.refunded_invoices(payload["invoice"], action=action)
        amount = self.check_refundable(invoices[0], payment, action=action)
        description = refunds.REFUND + payment["reference"]
        refunded = (payment.get("attributes") or {}).get("lines") or []
        shares, _left = self.credit_notes.shares(invoices, amount, description, refunded, action=action)
        made = [(share, self.credit_notes.credit_share(share, description, action=action)) for share in shares]
        made = [(share, note_id) for share, note_id in made if note_id is not None]
        notes = [row for share in shares for row in self.credit_notes.of_invoice(
            share.invoice["id"], share.invoice["lines"], action=action)]
        ids = [note_id for _share, note_id in made]
        ordered = sorted(notes, key=lambda row: (row["id"] not in ids, row["id"]))
        first = made[0][0].invoice if made else invoices[0]
        payout_move = self.pay_back(first, ordered, payment, amount, action=action)
        records = [self.credit_notes.records([note_id], share.invoice["number"], action=action)[0]
                   for share, note_id in made]
        return {"invoice": self.canonical([first["id"]], action=action)[0],
                "credit_note": records[0] if records else None, "credit_notes": records,
                "credited": sum((record["total"] for record in records), quantize(0, first["currency_code"])),
                "paid_out": amount, "payout_move": payout_move}

    def refunded_invoices(self, ref: Mapping[str, Any], *, action: str) -> list[dict[str, Any]]:
        """The invoice ``ref`` names, or the posted and paid invoices of the order it names
        (oldest first, credit notes and cancelled invoices left out), as credit-note headers."""
        if not ref.get("order_number") or ref.get("id") is not None or ref.get("number"):
            return [self.credit_notes.header(self.find(ref, action=action)[0], action=action)]
        ids = self.client.search("account.invoice", [
            ("type", "=", "out"), ("id", "in", self.sale_invoices(ref["order_number"], action=action)),
            ("state", "in", PAYABLE_STATES), ("total_amount", ">", 0)], order=[("id", "ASC")], action=action)
        if not ids:
            raise FatalError(f"order {ref['order_number']} has no posted invoice to refund against",
                             connection=self.client.connection, action=action)
        return [self.credit_notes.header(invoice_id, action=action) for invoice_id in ids]

    def pay_back(self, invoice: Mapping[str, Any], notes: list[Mapping[str, Any]], payment: Mapping[str, Any],
                 amount: Decimal, *, action: str) -> int | None:
        """Book ``amount`` paid back: on the credit notes that owe the customer, the rest as a
        move on the receivable (booked last, so finding it means the notes were done)."""
        found = self.credits.find(payout_reference(payment["reference"]), company_id=invoice["company"],
                                  action=action)
        left = Decimal(0) if found else self.credit_notes.pay_out(notes, payment, amount, action=action)
        if not (found or left > 0):
            return None
        method, = self.client.read("account.invoice.payment.method", [self.method_id(action=action)],
                                   ["journal", "credit_account"], action=action)
        return self.credits.book_payout(invoice, payment, left, method=method, date=mapping.payment_date(payment),
                                        action=action)

    def check_refundable(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], *, action: str) -> Decimal:
        """The refunded amount (positive); refuse a draft or cancelled invoice and another currency."""
        name, currency = invoice.get("number") or invoice["id"], invoice["currency_code"]
        if invoice["state"] == "cancelled":
            raise FatalError(f"invoice {name} is cancelled: there is nothing to refund against it",
                             connection=self.client.connection, action=action)
        if invoice["state"] in ("draft", "validated"):
            raise FatalError(f"invoice {name} is {invoice['state']}: post it before refunding against it",
                             connection=self.client.connection, action=action)
        if payment["currency"] != currency:
            raise FatalError(f"refund {payment['reference']} is in {payment['currency']} but invoice {name} is in "
                             f"{currency}", connection=self.client.connection, action=action)
        amount = -quantize(payment["amount"], currency)
        if amount <= 0:
            raise FatalError(f"refund {payment['reference']} pays nothing back ({payment['amount']})",
                             connection=self.client.connection, action=action)
        return amount

    def withdraw(self, invoice_ids: list[int], order_number: str, *, action: str) -> dict[str, list]:
        """Take back the invoices of a cancelled order: cancel the draft ones, credit what is
        still creditable on the posted ones (Tryton's refund option when nothing was paid or
        credited yet, so the invoice is cancelled against its credit note).

        Returns ``{cancelled_invoices, credit_notes}`` as canonical records, the same on a repeat.
        """
        rows = self.client.read("account.invoice", invoice_ids, ["state", "number", "cancel_move"], action=action)
        drafts = [row["id"] for row in rows if row["state"] in ("draft", "validated")]
        if drafts:
            self.client.model("account.invoice", "cancel", drafts, action=action)
        cancelled = [row["id"] for row in rows if row["id"] in drafts or (row["state"] == "cancelled"
                                                                           and not row["cancel_move"])]
        notes = [note for row in rows if row["id"] not in cancelled
                 for note in self.credit_rest(row["id"], refunds.CANCELLATION + order_number, action=action)]
        return {"cancelled_invoices": self.canonical(cancelled, action=action), "credit_notes": notes}

    def credit_rest(self, invoice_id: int, description: str, *, action: str) -> list[dict[str, Any]]:
        """The credit note ``description`` of what is still creditable on a posted invoice,
        applied to what the invoice still has to pay."""
        invoice = self.credit_notes.header(invoice_id, action=action)
        notes = self.credit_notes.of_invoice(invoice_id, invoice["lines"], action=action)
        note = self.credit_notes.find(notes, description)
        others = [row for row in notes if note is None or row["id"] != note["id"]]
        rest = self.credit_notes.creditable(invoice, others)
        if note is None:
            if rest <= 0:
                return []
            if invoice["state"] == "posted" and not notes and not self.has_payments(invoice_id, action=action):
                note_id = self.credit_notes.credit_all(invoice, description, action=action)
                return self.credit_notes.records([note_id], invoice["number"], action=action)
            note_id = self.credit_notes.credit_amount(invoice, rest, description, action=action)
        else:
            note_id = note["id"]
            if note["state"] == "draft":
                self.credit_notes.complete(note_id, invoice, rest, description, action=action)
        applied = self.credit_notes.of_invoice(invoice_id, invoice["lines"], action=action)
        self.credit_notes.apply(invoice, sorted(applied, key=lambda row: (row["id"] != note_id, row["id"])),
                                action=action)
        return self.credit_notes.records([note_id], invoice["number"], action=action)

    def has_payments(self, invoice_id: int, *, action: str) -> bool:
        """Whether any payment line pays the invoice."""
        row, = self.client.read("account.invoice", [invoice_id], ["payment_lines"], action=action)
        return bool(row["payment_lines"])

    def apply(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], amount: Decimal, *,
              action: str) -> int:
        """Pay ``amount`` of ``invoice`` through the pay wizard; the id of the payment line."""
        self.run_pay_wizard(invoice, payment, amount, action=action)
        line = self.payment_line(invoice, payment["reference"], action=action)
        if line is None:
            raise FatalError(f"the pay wizard wrote no payment line {payment['reference']!r} on invoice "
                             f"{invoice.get('number') or invoice['id']}", connection=self.client.connection,
                             action=action)
        return line

    def book_credit(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], amount: Decimal, *,
                    action: str) -> int:
        """The posted move keeping ``amount`` of ``payment`` as the customer's credit."""
        method, = self.client.read("account.invoice.payment.method", [self.method_id(action=action)],
                                   ["journal", "debit_account"], action=action)
        return self.credits.book(invoice, payment, amount, method=method, date=mapping.payment_date(payment),
                                 action=action)

    def payment_line(self, invoice: Mapping[str, Any], reference: str, *, action: str) -> int | None:
        """The id of the invoice's payment line written for ``reference``, if any."""
        current, = self.client.read("account.invoice", [invoice["id"]], ["payment_lines"], action=action)
        lines = self.client.read("account.move.line", current["payment_lines"],
                                 ["description", "move_description_used"], action=action)
        matches = [line["id"] for line in lines if reference in (line["description"], line["move_description_used"])]
        return matches[0] if matches else None

    def line_amount(self, line_id: int, invoice: Mapping[str, Any], currency: str, *, action: str) -> Decimal:
        """What payment line ``line_id`` paid, in the invoice's currency."""
        line, = self.client.read("account.move.line", [line_id],
                                 ["debit", "credit", "amount_second_currency", "second_currency"], action=action)
        if line["second_currency"] == invoice["currency"] and line["amount_second_currency"] is not None:
            return quantize(-line["amount_second_currency"], currency)
        return quantize(line["credit"] - line["debit"], currency)

    def check_payable(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], *, action: str) -> str:
        """The invoice's currency code; refuse a draft or cancelled invoice, a payment in another
        currency and an amount that is not positive."""
        name = invoice.get("number") or invoice["id"]
        if invoice["state"] not in PAYABLE_STATES:
            raise FatalError(f"invoice {name} is {invoice['state']}, not open", connection=self.client.connection,
                             action=action)
        currency, = self.client.read("currency.currency", [invoice["currency"]], ["code"], action=action)
        if payment["currency"] != currency["code"]:
            raise FatalError(f"payment {payment['reference']} is in {payment['currency']} but invoice {name} is "
                             f"in {currency['code']}; convert it before applying it", connection=self.client.connection,
                             action=action)
        if quantize(payment["amount"], currency["code"]) <= 0:
            raise FatalError(f"payment {payment['reference']} has no positive amount ({payment['amount']})",
                             connection=self.client.connection, action=action)
        return currency["code"]

    def run_pay_wizard(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], amount: Decimal, *,
                       action: str) -> None:
        """``account.invoice.pay`` for ``amount`` (at most the amount to pay).

        The wizard goes from its start form straight to paying when the amount settles the
        invoice's open lines; otherwise it asks how to treat the rest, and the answer is
        "partial" (keep it open). Which of the two happens is only known from its answer, and
        executing "pay" after the wizard has ended would pay a second time.
        """
        form = mapping.payment_form(payment, amount=amount, currency_id=invoice["currency"],
                                    method_id=self.method_id(action=action), payee_id=invoice["party"])
        context = {**(self.client.context or {}), "active_model": "account.invoice", "active_id": invoice["id"],
                   "active_ids": [invoice["id"]]}
        session_id, _start, _end = self.client.call("wizard.account.invoice.pay.create", [context], action=action)
        try:
            execute = "wizard.account.invoice.pay.execute"
            self.client.call(execute, [session_id, {}, "start", context], action=action)
            answer = self.client.call(execute, [session_id, {"start": form}, "choice", context], action=action)
            if (answer.get("view") or {}).get("state") == "ask":
                data = {"start": form, "ask": {"type": "partial", "lines": [], "payment_lines": []}}
                self.client.call(execute, [session_id, data, "pay", context], action=action)
        finally:
            self.client.call("wizard.account.invoice.pay.delete", [session_id, context], action=action)

    def method_id(self, *, action: str) -> int:
        """The invoice payment method: the configured one by name, else the first one."""
        domain = [("name", "=", self.payment_method)] if self.payment_method else []
        ids = self.client.search("account.invoice.payment.method", domain, limit=1, order=[("id", "ASC")],
                                 action=action)
        if not ids:
            raise FatalError("Tryton has no invoice payment method" + (f" {self.payment_method!r}"
                             if self.payment_method else ""), connection=self.client.connection, action=action)
        return ids[0]

"""Credit notes against customer invoices, and refunds: money a storefront paid back.

A credit note is a customer invoice with negative quantities whose lines point (``origin``) at
the lines of the invoice they credit; that link is how the credit notes of an invoice are found,
and what is still creditable is the invoice's total less its credit notes that are not
cancelled. Each credit note carries a description that names why it was made, found before one
is made, so a retry never credits twice:

    Cancellation of order <number>      the rest of an invoice when its order is cancelled
    Refund <payment reference>          a refund (Shopify refund, Stripe charge refunded)

What a refund credits (at most what is still creditable on the invoice):

- the refunded lines, when the refund lists them (SKU and quantity): each as it was invoiced,
  at its unit price and with its taxes; what the refund pays beyond those lines by more than a
  cent per line (shipping, a fee kept back) is credited as below;
- otherwise the amount, split over the invoice's tax groups (lines with the same taxes) in
  proportion to their totals with tax, each share booked before tax as one line with that
  group's taxes;
- a last untaxed line takes the cent Tryton's tax rounding leaves, so the credit note's total
  is the amount to the cent.

The money paid back is booked through the pay wizard on the invoice's credit notes that still
owe the customer (the new one first), described with the refund's reference; what is left
(a refund after the invoice was already credited and settled) is a posted move from the
payment method's credit account to the customer's receivable. So the receivable always moves
by credit note − money paid back: once the storefront's payments are in Tryton, the customer
owes what the storefront kept.

Which invoices a refund credits, when it names the order rather than an invoice: its posted
(or paid) invoices, cancelled ones left out. Each refunded line goes to the oldest invoice that
billed its SKU and still has room to credit; that invoice takes the line's value with tax first,
and what the refund pays beyond the lines (or all of it, when it lists none) is spread over the
invoices with room left, those holding refunded lines first, then oldest first. What no invoice
has room for is paid out on the receivable. The room of an invoice leaves out the credit note of
this very refund, so a retry shares the amount the same way.

A credit note found in draft (a crash before it was posted) is completed to its amount first:
the lines it lacks and the rounding line are added, then it is posted.

When an order is cancelled, the credit note of what was still creditable is applied to what the
invoice still has to pay (``apply``): a posted move within the customer's receivable takes that
amount off the invoice (its credit line becomes a payment line of the invoice) and off the credit
note (its debit line a payment line of the note); a document with nothing left to pay is
reconciled. The invoice ends paid; the note keeps owing the customer what was paid on the
invoice, until a refund pays it back. The move is described
``Credit note <number> applied to <invoice number>`` and found before one is booked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from connectors.tryton.client import TrytonClient
from connectors.tryton.credits import CustomerCredits, transfer_move_values
from hub.errors import FatalError
from hub.money import quantize, to_decimal
from hub.o2c.settlement import proportional_shares

REFUND = "Refund "
CANCELLATION = "Cancellation of order "
PRICE_DIGITS = Decimal("0.0001")
HEADER_FIELDS = ["number", "state", "company", "party", "invoice_address", "currency", "journal", "account",
                 "payment_term", "total_amount", "lines", "type"]
LINE_FIELDS = ["type", "product", "description", "quantity", "unit", "unit_price", "taxes", "account", "amount"]
NOTE_FIELDS = ["number", "state", "total_amount", "amount_to_pay", "description", "currency", "party", "company",
               "account"]
SETTLE_FIELDS = ["state", "amount_to_pay", "lines_to_pay", "payment_lines"]
APPLIED = "Credit note {note} applied to {invoice}"


class InvoiceDesk(Protocol):
    """What credit notes need from ``connectors.tryton.invoices.Invoices``."""

    client: TrytonClient
    credits: CustomerCredits

    def canonical(self, ids: list[int], *, action: str) -> list[dict[str, Any]]: ...
    def run_pay_wizard(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], amount: Decimal, *,
                       action: str) -> None: ...
    def payment_line(self, invoice: Mapping[str, Any], reference: str, *, action: str) -> int | None: ...
    def method_id(self, *, action: str) -> int: ...


def credit_note_record(note: Mapping[str, Any], *, credits_invoice: str) -> dict[str, Any]:
    """A Tryton credit note (canonical: kind credit_note, positive amounts) naming the invoice
    it credits, as the caller knows it."""
    return {**note, "kind": "credit_note", "credits_invoice": credits_invoice}


def tax_groups(lines: list[Mapping[str, Any]], rates: Mapping[int, Decimal]) -> list[dict[str, Any]]:
    """The invoice's lines grouped by their taxes: the first line, the taxes, the combined
    rate and the group's total with tax (percentages on the net amount)."""
    groups: dict[tuple[int, ...], dict[str, Any]] = {}
    for line in lines:
        if line["type"] != "line":
            continue
        taxes = tuple(sorted(line["taxes"]))
        rate = sum((rates.get(tax, Decimal(0)) for tax in taxes), Decimal(0))
        group = groups.setdefault(taxes, {"line": line, "taxes": list(taxes), "rate": rate, "gross": Decimal(0)})
        group["gross"] += line["amount"] * (1 + rate)
    return [group for group in groups.values() if group["gross"]]


def proportional_lines(amount: Decimal, groups: list[dict[str, Any]], currency: str,
                       description: str) -> list[dict[str, Any]]:
    """Credit-note lines crediting ``amount`` (with tax) in the proportion of ``groups``."""
    lines = []
    for group, share in zip(groups, proportional_shares(amount, [group["gross"] for group in groups], currency)):
        net = (share / (1 + group["rate"])).quantize(PRICE_DIGITS)
        source = group["line"]
        lines.append({"type": "line", "description": description, "quantity": -1.0, "unit": source["unit"],
                      "unit_price": net, "taxes": [("add", group["taxes"])], "account": source["account"],
                      "origin": f"account.invoice.line,{source['id']}"})
    return lines


def listed_lines(refunded: list[Mapping[str, Any]], lines: list[Mapping[str, Any]],
                 codes: Mapping[int, str]) -> list[dict[str, Any]]:
    """Credit-note lines for the refunded lines found on the invoice by SKU, as invoiced."""
    by_code = {codes.get(line["product"]): line for line in lines if line["type"] == "line" and line["product"]}
    found = []
    for item in refunded:
        line = by_code.get(item.get("sku"))
        quantity = to_decimal(item.get("quantity") or 0)
        if line is None or not quantity:
            continue
        found.append({"type": "line", "product": line["product"], "description": line["description"],
                      "quantity": -float(quantity), "unit": line["unit"], "unit_price": line["unit_price"],
                      "taxes": [("add", list(line["taxes"]))], "account": line["account"],
                      "origin": f"account.invoice.line,{line['id']}"})
    return found


def rounding_line(difference: Decimal, source: Mapping[str, Any], description: str) -> dict[str, Any]:
    """The untaxed line that moves the credit note's total by ``difference``."""
    return {"type": "line", "description": f"{description}: rounding to the refunded amount", "quantity": -1.0,
            "unit": source["unit"], "unit_price": -difference, "taxes": [], "account": source["account"],
            "origin": f"account.invoice.line,{source['id']}"}


@dataclass(slots=True, kw_only=True)
class Share:
    """One invoice's part of a refund: its header, its credit notes (``note``: the one this
    refund made, if any), its room to credit, the refunded lines it billed and what it credits."""

    invoice: dict[str, Any]
    notes: list[dict[str, Any]]
    note: dict[str, Any] | None
    room: Decimal
    lines: list[Mapping[str, Any]] = field(default_factory=list)
    wanted: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


def allocate(amount: Decimal, shares: Sequence[Share]) -> Decimal:
    """Set each share's ``amount``: first its refunded lines' value (``wanted``) within its room,
    then the rest over the shares with room left, those with refunded lines first, oldest first.
    Returns what no share had room for."""
    left = amount
    for share in shares:
        share.amount = max(min(share.wanted, share.room, left), Decimal(0))
        left -= share.amount
    for share in sorted(shares, key=lambda share: not share.lines):  # stable: oldest first within each
        take = max(min(left, share.room - share.amount), Decimal(0))
        share.amount += take
        left -= take
    return left


def assign_lines(refunded: Sequence[Mapping[str, Any]], shares: Sequence[Share],
                 codes: Sequence[set[str]]) -> None:
    """Give each refunded line to the oldest share whose invoice billed its SKU (``codes``, one
    set per share) and has room to credit."""
    for item in refunded:
        holder = next((share for share, skus in zip(shares, codes) if item.get("sku") in skus and share.room > 0),
                      None)
        if holder is not None:
            holder.lines.append(item)


def in_currency(lines: list[dict[str, Any]], invoice: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Credit-note lines in the invoice's currency (a line's own currency is the company's by default)."""
    return [{**line, "currency": invoice["currency"]} for line in lines]


class CreditNotes:
    """Credit notes of customer invoices, made once per description."""

    def __init__(self, desk: InvoiceDesk):
        self.desk = desk
        self.client = desk.client

    def of_invoice(self, invoice_id: int, line_ids: list[int], *, action: str) -> list[dict[str, Any]]:
        """The credit notes (not cancelled) whose lines credit the invoice's lines, oldest first."""
        origins = [f"account.invoice.line,{line}" for line in line_ids]
        rows = self.client.search_read("account.invoice.line", [("origin", "in", origins)], ["invoice"],
                                       action=action) if origins else []
        ids = sorted({row["invoice"] for row in rows} - {invoice_id})
        notes = self.client.read("account.invoice", ids, NOTE_FIELDS, action=action)
        return [note for note in notes if note["state"] != "cancelled"]

    def header(self, invoice_id: int, *, action: str) -> dict[str, Any]:
        """The invoice's header with its currency code and its lines."""
        invoice, = self.client.read("account.invoice", [invoice_id], HEADER_FIELDS, action=action)
        currency, = self.client.read("currency.currency", [invoice["currency"]], ["code"], action=action)
        lines = self.client.read("account.invoice.line", invoice["lines"], LINE_FIELDS, action=action)
        return {**invoice, "currency_code": currency["code"], "line_rows": lines}

    def creditable(self, invoice: Mapping[str, Any], notes: list[Mapping[str, Any]]) -> Decimal:
        """The invoice's total less what its credit notes already credit."""
        credited = -sum((note["total_amount"] for note in notes), Decimal(0))
        return max(quantize(invoice["total_amount"] - credited, invoice["currency_code"]), Decimal(0))

    def find(self, notes: list[Mapping[str, Any]], description: str) -> dict[str, Any] | None:
        """The credit note made with ``description``, if there is one."""
        return next((dict(note) for note in notes if note["description"] == description), None)

    def credit_all(self, invoice: Mapping[str, Any], description: str, *, action: str) -> int:
        """Credit the whole posted, unpaid invoice with Tryton's credit wizard and its refund
        option: the credit note is posted, reconciled with the invoice, which is cancelled."""
        answers = self.client.wizard("account.invoice.credit", [invoice["id"]], "account.invoice", [
            ("start", {}), ("credit", {"start": {"with_refund": True, "invoice_date": None}})], action=action)
        created = [record for _action, data in answers[-1].get("actions") or [] for record in data.get("res_id") or []]
        if len(created) != 1:
            raise FatalError(f"the credit wizard made {len(created)} credit notes for invoice {invoice['number']}",
                             connection=self.client.connection, action=action)
        self.client.write("account.invoice", created, {"description": description}, action=action)
        return created[0]

    def credit_amount(self, invoice: Mapping[str, Any], amount: Decimal, description: str, *,
                      refunded_lines: Sequence[Mapping[str, Any]] = (), action: str) -> int:
        """A posted credit note of ``amount`` (with tax) against ``invoice`` (see the module doc)."""
        note_id = self.draft(invoice, amount, description, refunded_lines=refunded_lines, action=action)
        return self.complete(note_id, invoice, amount, description, action=action)

    def draft(self, invoice: Mapping[str, Any], amount: Decimal, description: str, *,
              refunded_lines: Sequence[Mapping[str, Any]] = (), action: str) -> int:
        """The draft credit note with the refunded lines, else ``amount`` split by tax group."""
        lines = invoice["line_rows"]
        groups = self.groups(invoice, action=action)
        listed = listed_lines(list(refunded_lines), lines, self.codes(lines, action=action))
        note_id, = self.client.create("account.invoice", [self.values(invoice, description, listed or
                                      proportional_lines(amount, groups, invoice["currency_code"], description))],
                                      action=action)
        return note_id

    def complete(self, note_id: int, invoice: Mapping[str, Any], amount: Decimal, description: str, *,
                 action: str) -> int:
        """Bring the draft credit note to ``amount`` and post it: what it lacks beyond a cent per
        line split by tax group, then the rounding line."""
        groups = self.groups(invoice, action=action)
        note, = self.client.read("account.invoice", [note_id], ["total_amount", "lines"], action=action)
        rest = amount + note["total_amount"]
        if abs(rest) > Decimal("0.01") * max(len(note["lines"]), 1):
            self.add_lines(note_id, invoice, proportional_lines(rest, groups, invoice["currency_code"], description),
                           action=action)
            rest = amount + self.total(note_id, action=action)
        if rest:
            self.add_lines(note_id, invoice, [rounding_line(rest, groups[0]["line"], description)], action=action)
        self.client.model("account.invoice", "post", [note_id], action=action)
        return note_id

    def groups(self, invoice: Mapping[str, Any], *, action: str) -> list[dict[str, Any]]:
        """The invoice's tax groups; refuse an invoice without a line to credit."""
        lines = invoice["line_rows"]
        groups = tax_groups(lines, self.rates(lines, action=action))
        if not groups:
            raise FatalError(f"invoice {invoice['number']} has no line to credit", connection=self.client.connection,
                             action=action)
        return groups

    def shares(self, invoices: Sequence[dict[str, Any]], amount: Decimal, description: str,
               refunded: Sequence[Mapping[str, Any]], *, action: str) -> tuple[list[Share], Decimal]:
        """How a refund of ``amount`` is credited over ``invoices`` (oldest first; see the module
        doc), and what none of them has room for."""
        shares, codes = [], []
        for invoice in invoices:
            notes = self.of_invoice(invoice["id"], invoice["lines"], action=action)
            note = self.find(notes, description)
            others = [row for row in notes if note is None or row["id"] != note["id"]]
            room = self.creditable(invoice, others) if invoice["state"] in ("posted", "paid") else Decimal(0)
            shares.append(Share(invoice=invoice, notes=notes, note=note, room=room))
            codes.append(set(self.codes(invoice["line_rows"], action=action).values()))
        assign_lines(refunded, shares, codes)
        for share in shares:
            share.wanted = self.listed_value(share, action=action)
        return shares, allocate(amount, shares)

    def listed_value(self, share: Share, *, action: str) -> Decimal:
        """What the refunded lines given to ``share`` are worth with tax, as invoiced."""
        if not share.lines:
            return Decimal(0)
        lines = share.invoice["line_rows"]
        rates = self.rates(lines, action=action)
        listed = listed_lines(share.lines, lines, self.codes(lines, action=action))
        value = sum((Decimal(str(-line["quantity"])) * line["unit_price"]
                     * (1 + sum((rates.get(tax, Decimal(0)) for tax in line["taxes"][0][1]), Decimal(0)))
                     for line in listed), Decimal(0))
        return quantize(value, share.invoice["currency_code"])

    def credit_share(self, share: Share, description: str, *, action: str) -> int | None:
        """The posted credit note of ``share`` (made, or completed when a crash left it in draft)."""
        if share.note is None:
            if share.amount <= 0:
                return None
            return self.credit_amount(share.invoice, share.amount, description, refunded_lines=share.lines,
                                      action=action)
        if share.note["state"] == "draft":
            self.complete(share.note["id"], share.invoice, share.amount, description, action=action)
        return share.note["id"]

    def values(self, invoice: Mapping[str, Any], description: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
        """``account.invoice`` create values of a credit note on ``invoice``'s header."""
        header = {key: invoice[key] for key in ("type", "company", "party", "invoice_address", "currency", "journal",
                                                 "account", "payment_term") if invoice.get(key) is not None}
        return {**header, "description": description, "lines": [("create", in_currency(lines, invoice))]}

    def add_lines(self, note_id: int, invoice: Mapping[str, Any], lines: list[dict[str, Any]], *,
                  action: str) -> None:
        self.client.write("account.invoice", [note_id], {"lines": [("create", in_currency(lines, invoice))]},
                          action=action)

    def total(self, note_id: int, *, action: str) -> Decimal:
        note, = self.client.read("account.invoice", [note_id], ["total_amount"], action=action)
        return note["total_amount"]

    def rates(self, lines: list[Mapping[str, Any]], *, action: str) -> dict[int, Decimal]:
        """The rate of each percentage tax on ``lines``."""
        ids = sorted({tax for line in lines for tax in line["taxes"]})
        rows = self.client.read("account.tax", ids, ["type", "rate"], action=action)
        return {row["id"]: row["rate"] for row in rows if row["type"] == "percentage" and row["rate"] is not None}

    def codes(self, lines: list[Mapping[str, Any]], *, action: str) -> dict[int, str]:
        """The product code of each product on ``lines``."""
        ids = sorted({line["product"] for line in lines if line.get("product")})
        return {row["id"]: row["code"] for row in self.client.read("product.product", ids, ["code"], action=action)}

    def records(self, ids: list[int], credits_invoice: str, *, action: str) -> list[dict[str, Any]]:
        """The credit notes ``ids`` as the hub's credit notes."""
        return [credit_note_record(note, credits_invoice=credits_invoice)
                for note in self.desk.canonical(ids, action=action)]

    def pay_out(self, notes: list[Mapping[str, Any]], payment: Mapping[str, Any], amount: Decimal, *,
                action: str) -> Decimal:
        """Book ``amount`` paid back on ``notes`` that still owe the customer, through the pay
        wizard (description: the payment's reference); returns what they did not take."""
        left = amount
        for note in notes:
            if self.desk.payment_line(note, payment["reference"], action=action) is not None:
                left -= self.paid_out(note, payment["reference"], action=action)
                continue
            current, = self.client.read("account.invoice", [note["id"]], NOTE_FIELDS, action=action)
            owed = -(current["amount_to_pay"] or 0) if current["state"] == "posted" else Decimal(0)
            part = min(left, owed)
            if part > 0:
                self.desk.run_pay_wizard(current, payment, -part, action=action)
                left -= part
        return max(left, Decimal(0))

    def paid_out(self, note: Mapping[str, Any], reference: str, *, action: str) -> Decimal:
        """What the payment line of ``reference`` on ``note`` paid back, in the note's currency."""
        line_id = self.desk.payment_line(note, reference, action=action)
        line, = self.client.read("account.move.line", [line_id],
                                 ["debit", "credit", "amount_second_currency", "second_currency"], action=action)
        if line["second_currency"] == note["currency"] and line["amount_second_currency"] is not None:
            return line["amount_second_currency"]
        return line["debit"] - line["credit"]

    def apply(self, invoice: Mapping[str, Any], notes: Sequence[Mapping[str, Any]], *, action: str) -> None:
        """Settle what ``invoice`` still has to pay with what ``notes`` owe the customer, in
        their order (see the module doc)."""
        for note in notes:
            description = APPLIED.format(note=note["number"], invoice=invoice["number"])
            found = self.desk.credits.find(description, company_id=invoice["company"], action=action)
            if found is None:
                amount = min(self.left_to_pay(invoice["id"], action=action),
                             -self.left_to_pay(note["id"], action=action))
                if amount <= 0:
                    continue
                move_id = self.desk.credits.create(
                    invoice, amount, method={"journal": self.journal(action=action), "debit_account": invoice["account"]},
                    date=dt.date.today(), description=description, values=transfer_move_values, action=action)
            else:
                move_id = found["id"]
            if not found or found["state"] != "posted":
                self.client.model("account.move", "post", [move_id], action=action)
            self.link(move_id, invoice["id"], note["id"], action=action)

    def left_to_pay(self, invoice_id: int, *, action: str) -> Decimal:
        """The amount to pay of a posted invoice or credit note (0 once paid or cancelled)."""
        row, = self.client.read("account.invoice", [invoice_id], ["state", "amount_to_pay"], action=action)
        return (row["amount_to_pay"] or Decimal(0)) if row["state"] == "posted" else Decimal(0)

    def journal(self, *, action: str) -> int:
        """The journal of the invoice payment method, where applications are booked."""
        method, = self.client.read("account.invoice.payment.method", [self.desk.method_id(action=action)],
                                   ["journal"], action=action)
        return method["journal"]

    def link(self, move_id: int, invoice_id: int, note_id: int, *, action: str) -> None:
        """Make the move's credit line a payment line of the invoice and its debit line one of the
        note, then reconcile each of them that has nothing left to pay."""
        move, = self.client.read("account.move", [move_id], ["lines"], action=action)
        lines = self.client.read("account.move.line", move["lines"], ["debit", "credit", "invoice_payment"],
                                 action=action)
        for line in lines:
            target = invoice_id if line["credit"] else note_id
            if line["invoice_payment"] is None and self.left_to_pay(target, action=action):
                self.client.write("account.invoice", [target], {"payment_lines": [("add", [line["id"]])]},
                                  action=action)
        for target in (invoice_id, note_id):
            self.reconcile_settled(target, action=action)

    def reconcile_settled(self, invoice_id: int, *, action: str) -> None:
        """Reconcile the open lines to pay and payment lines of a posted invoice or credit note
        that has nothing left to pay (Tryton then marks it paid)."""
        row, = self.client.read("account.invoice", [invoice_id], SETTLE_FIELDS, action=action)
        if row["state"] != "posted" or row["amount_to_pay"]:
            return
        ids = [*row["lines_to_pay"], *row["payment_lines"]]
        open_ids = [line["id"] for line in self.client.read("account.move.line", ids, ["reconciliation"],
                                                             action=action) if line["reconciliation"] is None]
        if open_ids:
            self.client.wizard("account.move.reconcile_lines", open_ids, "account.move.line", [("start", {})],
                               action=action)

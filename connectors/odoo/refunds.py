"""Credit notes against Odoo customer invoices, and refunds: money a storefront paid back.

A credit note is an ``out_refund`` whose ``reversed_entry_id`` is the invoice it credits; that
link is how the credit notes of an invoice are found, and what is still creditable is the
invoice's total less its credit notes that are not cancelled. Each credit note's ``ref`` ends
with the reason it was made, as Odoo's reversal wizard writes it ("Reversal of: <invoice>,
<reason>"), and is found by it before one is made, so a retry never credits twice:

    Cancellation of order <number>      the rest of an invoice when its order is cancelled
    Refund <payment reference>          a refund (Shopify refund, Stripe charge refunded)

A cancelled order's invoice with no credit note yet is reversed whole with the
``account.move.reversal`` wizard (``refund_moves``: a draft credit note of every line), posted,
and reconciled with what the invoice still has to pay, as Odoo 16's "cancel" refund method did:
an unpaid invoice ends ``reversed``; on a paid one the credit note stays open, the customer's
credit, until the refund pays it back. An invoice already partly credited is credited for the rest
as a refund's amount is (below).

What a refund credits (at most what is still creditable on the invoice), the same rule as the
tryton connector's:

- the refunded lines, when the refund lists them (SKU and quantity): each as it was invoiced,
  at its unit price and with its taxes; what the refund pays beyond those lines by more than a
  cent per line (shipping, a fee kept back) is credited as below;
- otherwise the amount, split over the invoice's tax groups (lines with the same taxes) in
  proportion to their totals with tax, each share booked before tax as one line with that
  group's taxes;
- a last untaxed line takes the cent Odoo's tax rounding leaves, so the credit note's total is
  the amount to the cent.

The money paid back goes through the register-payment wizard on the invoice's credit notes that
still owe the customer (the new one first): an outbound customer payment whose memo is the
refund's reference, reconciled with the credit note. What no credit note takes (a refund after
the invoice was credited and settled) is an outbound customer payment of its own, memo
``<reference> (refund paid out)``, left on the customer's receivable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from connectors.odoo import mapping
from connectors.odoo.payments import LIVE, Payments
from hub.errors import FatalError
from hub.money import quantize, to_decimal
from hub.o2c.settlement import payout_reference, proportional_shares

CANCELLATION = "Cancellation of order "
REFUND = "Refund "
MOVE_FIELDS = mapping.INVOICE_FIELDS
LINE_FIELDS = ["product_id", "name", "quantity", "price_unit", "tax_ids", "price_total", "display_type"]


def credit_note_record(note: Mapping[str, Any], *, system: str, credits_invoice: str) -> dict[str, Any]:
    """An out_refund read as the hub keeps credit notes: kind credit_note, the invoice it credits."""
    return {**mapping.invoice_from_odoo(note, system=system), "kind": "credit_note", "credits_invoice": credits_invoice}


def tax_groups(lines: list[Mapping[str, Any]], rates: Mapping[int, Decimal]) -> list[dict[str, Any]]:
    """The invoice's product lines grouped by their taxes: the first line, the taxes, the
    combined rate and the group's total with tax."""
    groups: dict[tuple[int, ...], dict[str, Any]] = {}
    for line in lines:
        if (line.get("display_type") or "product") != "product":
            continue
        taxes = tuple(sorted(line["tax_ids"]))
        rate = sum((rates.get(tax, Decimal(0)) for tax in taxes), Decimal(0))
        group = groups.setdefault(taxes, {"line": line, "taxes": list(taxes), "rate": rate, "gross": Decimal(0)})
        group["gross"] += _number(line["price_total"])
    return [group for group in groups.values() if group["gross"]]


def proportional_lines(amount: Decimal, groups: list[dict[str, Any]], currency: str, description: str,
                       price_step: Decimal) -> list[dict[str, Any]]:
    """Credit-note lines crediting ``amount`` (with tax) in the proportion of ``groups``."""
    lines = []
    for group, share in zip(groups, proportional_shares(amount, [group["gross"] for group in groups], currency)):
        net = (share / (1 + group["rate"])).quantize(price_step)
        lines.append(_line(group["line"], description, Decimal(1), net, group["taxes"]))
    return lines


def listed_lines(refunded: list[Mapping[str, Any]], lines: list[Mapping[str, Any]],
                 codes: Mapping[int, str]) -> list[dict[str, Any]]:
    """Credit-note lines for the refunded lines found on the invoice by SKU, as invoiced."""
    by_code = {codes.get(_id(line.get("product_id"))): line for line in lines
               if (line.get("display_type") or "product") == "product" and line.get("product_id")}
    found = []
    for item in refunded:
        line = by_code.get(item.get("sku"))
        quantity = to_decimal(item.get("quantity") or 0)
        if line is not None and quantity:
            found.append(_line(line, line["name"], quantity, _number(line["price_unit"]), line["tax_ids"]))
    return found


def rounding_line(difference: Decimal, source: Mapping[str, Any], description: str) -> dict[str, Any]:
    """The untaxed line that moves the credit note's total by ``difference``."""
    return _line(source, f"{description}: rounding to the refunded amount", Decimal(1), difference, [])


def _line(source: Mapping[str, Any], name: str, quantity: Decimal, price: Decimal, taxes: list[int]) -> dict[str, Any]:
    """Credit-note line values on the source line's product (so its income account)."""
    values = {"name": name, "quantity": quantity, "price_unit": price, "tax_ids": [[6, 0, list(taxes)]]}
    if source.get("product_id"):
        values["product_id"] = _id(source["product_id"])
    return values


def _number(value: Any) -> Decimal:
    """An Odoo number (float, int or Decimal; False for empty) as an exact Decimal."""
    return Decimal(str(value or 0))


def _id(many2one: Any) -> Any:
    return many2one[0] if isinstance(many2one, (list, tuple)) else many2one


def _reason_of(reason: str) -> str:
    return ", " + reason


class CreditNotes:
    """Credit notes of customer invoices (made once per reason) and refunds paid back."""

    def __init__(self, call: Callable[..., Any], *, connection: str, system: str, payments: Payments,
                 price_digits: Callable[[str], int]):
        self.call, self.connection, self.system = call, connection, system
        self.payments, self.price_digits = payments, price_digits

    # --- reading -------------------------------------------------------------------------------

    def move(self, move_id: int, *, action: str) -> dict[str, Any]:
        [row] = self.call("account.move", "read", [move_id], MOVE_FIELDS, action=action)
        return row

    def of_invoice(self, invoice_id: int, *, action: str) -> list[dict[str, Any]]:
        """The credit notes (not cancelled) reversing the invoice, oldest first."""
        rows = self.call("account.move", "search_read", [("reversed_entry_id", "=", invoice_id),
                                                         ("move_type", "=", "out_refund"), ("state", "!=", "cancel")],
                         MOVE_FIELDS, action=action, order="id asc")
        return sorted(rows, key=lambda row: row["id"])

    @staticmethod
    def find(notes: list[Mapping[str, Any]], reason: str) -> dict[str, Any] | None:
        """The credit note made for ``reason``, if there is one."""
        return next((dict(note) for note in notes if (note.get("ref") or "").endswith(_reason_of(reason))), None)

    @staticmethod
    def creditable(invoice: Mapping[str, Any], notes: list[Mapping[str, Any]]) -> Decimal:
        """The invoice's total less what its credit notes already credit."""
        currency = mapping.many2one_name(invoice["currency_id"])
        credited = sum((mapping.exact(note["amount_total"], currency) for note in notes), Decimal(0))
        return max(mapping.exact(invoice["amount_total"], currency) - credited, mapping.exact(0, currency))

    def record(self, note_id: int, invoice: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        return credit_note_record(self.move(note_id, action=action), system=self.system, credits_invoice=invoice["name"])

    # --- cancellation --------------------------------------------------------------------------

    def credit_rest(self, invoice: Mapping[str, Any], reason: str, *, action: str) -> list[dict[str, Any]]:
        """The credit note ``reason`` of what is still creditable on a posted invoice, reconciled
        with what the invoice still has to pay; [] when nothing is left to credit."""
        notes = self.of_invoice(invoice["id"], action=action)
        note = self.find(notes, reason)
        if note is None:
            rest = self.creditable(invoice, notes)
            if rest <= 0:
                return []
            if notes:
                note_id = self.credit_amount(invoice, rest, reason, action=action)
            else:
                note_id = self.reverse(invoice, reason, action=action)
        else:
            note_id = note["id"]
        self.post(note_id, action=action)
        self.settle(invoice["id"], note_id, action=action)
        return [self.record(note_id, invoice, action=action)]

    def reverse(self, invoice: Mapping[str, Any], reason: str, *, action: str) -> int:
        """Reverse the whole invoice with Odoo's reversal wizard; the draft credit note's id."""
        context = {"context": {"active_model": "account.move", "active_ids": [invoice["id"]]}}
        [wizard] = self.call("account.move.reversal", "create", [{"reason": reason, "move_ids": [[6, 0, [invoice["id"]]]]}],
                             action=action, **context)
        self.call("account.move.reversal", "refund_moves", [wizard], action=action, **context)
        note = self.find(self.of_invoice(invoice["id"], action=action), reason)
        if note is None:
            raise FatalError(f"Odoo's reversal wizard made no credit note for invoice {invoice['name']}",
                             connection=self.connection, action=action)
        return note["id"]

    def post(self, note_id: int, *, action: str) -> None:
        """Post the credit note if it is still a draft (a crash before posting it, or the wizard's)."""
        if self.move(note_id, action=action)["state"] == "draft":
            self.call("account.move", "action_post", [note_id], action=action)

    def settle(self, invoice_id: int, note_id: int, *, action: str) -> None:
        """Reconcile the credit note with what the invoice still has to pay (Odoo's outstanding
        credit assignment); nothing when either side is settled already."""
        invoice, note = self.move(invoice_id, action=action), self.move(note_id, action=action)
        if not (_number(invoice["amount_residual"]) > 0 and _number(note["amount_residual"]) > 0):
            return
        lines = self.call("account.move.line", "search_read", [("move_id", "=", note_id), ("display_type", "=", "payment_term"),
                                                               ("reconciled", "=", False)], ["id"], action=action, limit=1)
        if lines:
            self.call("account.move", "js_assign_outstanding_line", [invoice_id], action=action, line_id=lines[0]["id"])

    # --- refunds -------------------------------------------------------------------------------

    def refund(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """Credit ``invoice`` for refund ``payment`` (a negative canonical payment) and book the
        money paid back, once per refund reference: ``{invoice, credit_note, credited, paid_out,
        payout_move}`` (payout_move: the id of the payment of what no credit note took)."""
        amount, currency = self.check_refundable(invoice, payment, action=action), mapping.many2one_name(invoice["currency_id"])
        reason = REFUND + payment["reference"]
        notes = self.of_invoice(invoice["id"], action=action)
        note = self.find(notes, reason)
        if note is None:
            credited = min(amount, self.creditable(invoice, notes))
            if credited > 0:
                lines = (payment.get("attributes") or {}).get("lines") or []
                self.credit_amount(invoice, credited, reason, refunded_lines=lines, action=action)
                notes = self.of_invoice(invoice["id"], action=action)
                note = self.find(notes, reason)
        elif note["state"] == "draft":  # a crash between creating and posting it
            self.post(note["id"], action=action)
        ordered = sorted(notes, key=lambda row: (note is None or row["id"] != note["id"], row["id"]))
        payout = self.pay_back(invoice, ordered, payment, amount, action=action)
        record = self.record(note["id"], invoice, action=action) if note else None
        return {"credit_note": record, "credit_notes": [record] if record else [],
                "credited": record["total"] if record else quantize(0, currency),
                "paid_out": amount, "payout_move": payout}

    def check_refundable(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], *, action: str) -> Decimal:
        """The refunded amount (positive); refuse an invoice not posted and another currency."""
        name, currency = invoice.get("name") or invoice["id"], mapping.many2one_name(invoice["currency_id"])
        if invoice["state"] != "posted":
            raise FatalError(f"invoice {name} is {invoice['state']}: post it before refunding against it",
                             connection=self.connection, action=action)
        if payment["currency"] != currency:
            raise FatalError(f"refund {payment['reference']} is in {payment['currency']} but invoice {name} is in "
                             f"{currency}", connection=self.connection, action=action)
        amount = -quantize(payment["amount"], currency)
        if amount <= 0:
            raise FatalError(f"refund {payment['reference']} pays nothing back ({payment['amount']})",
                             connection=self.connection, action=action)
        return amount

    def credit_amount(self, invoice: Mapping[str, Any], amount: Decimal, reason: str, *,
                      refunded_lines: list[Mapping[str, Any]] = (), action: str) -> int:
        """A posted credit note of ``amount`` (with tax) against ``invoice`` (see the module doc)."""
        currency = mapping.many2one_name(invoice["currency_id"])
        lines = self.call("account.move.line", "read", list(invoice["invoice_line_ids"]), LINE_FIELDS, action=action)
        groups = tax_groups(lines, self.rates(lines, action=action))
        if not groups:
            raise FatalError(f"invoice {invoice['name']} has no line to credit", connection=self.connection, action=action)
        step = Decimal(1).scaleb(-self.price_digits(action))
        listed = listed_lines(list(refunded_lines), lines, self.codes(lines, action=action))
        first = listed or proportional_lines(amount, groups, currency, reason, step)
        [note_id] = self.call("account.move", "create", [mapping.credit_note_values(invoice, reason, first)], action=action)
        rest = amount - self.total(note_id, currency, action=action)
        if listed and abs(rest) > Decimal("0.01") * len(listed):
            self.add_lines(note_id, proportional_lines(rest, groups, currency, reason, step), action=action)
            rest = amount - self.total(note_id, currency, action=action)
        if rest:
            self.add_lines(note_id, [rounding_line(rest, groups[0]["line"], reason)], action=action)
        self.call("account.move", "action_post", [note_id], action=action)
        return note_id

    def add_lines(self, note_id: int, lines: list[dict[str, Any]], *, action: str) -> None:
        self.call("account.move", "write", [note_id], {"invoice_line_ids": [[0, 0, line] for line in lines]}, action=action)

    def total(self, note_id: int, currency: str, *, action: str) -> Decimal:
        return mapping.exact(self.move(note_id, action=action)["amount_total"], currency)

    def rates(self, lines: list[Mapping[str, Any]], *, action: str) -> dict[int, Decimal]:
        """The rate of each percent tax on ``lines`` (0.19 for 19 %)."""
        ids = sorted({tax for line in lines for tax in line["tax_ids"]})
        rows = self.call("account.tax", "read", ids, ["amount", "amount_type"], action=action) if ids else []
        return {row["id"]: _number(row["amount"]) / 100 for row in rows if row["amount_type"] == "percent"}

    def codes(self, lines: list[Mapping[str, Any]], *, action: str) -> dict[int, str]:
        """The default_code of each product on ``lines``."""
        ids = sorted({_id(line["product_id"]) for line in lines if line.get("product_id")})
        rows = self.call("product.product", "read", ids, ["default_code"], action=action) if ids else []
        return {row["id"]: row["default_code"] for row in rows}

    # --- money paid back -----------------------------------------------------------------------

    def pay_back(self, invoice: Mapping[str, Any], notes: list[Mapping[str, Any]], payment: Mapping[str, Any],
                 amount: Decimal, *, action: str) -> int | None:
        """Book ``amount`` paid back: on the credit notes that owe the customer, the rest as an
        outbound payment on the receivable (booked last, so finding it means the notes were done)."""
        memo = payout_reference(payment["reference"])
        found = self.payments.find(memo, action=action)
        left = Decimal(0) if found else self.pay_out(notes, payment, amount, action=action)
        if found:
            if found["state"] == "draft":
                self.call("account.payment", "action_post", [found["id"]], action=action)
            return found["id"]
        if left <= 0:
            return None
        values = mapping.payout_values(payment, left, partner_id=invoice["partner_id"][0],
                                       currency_id=invoice["currency_id"][0], journal_id=self.payments.journal_id,
                                       reference_field=self.payments.reference_field)
        [payment_id] = self.call("account.payment", "create", [values], action=action)
        self.call("account.payment", "action_post", [payment_id], action=action)
        return payment_id

    def pay_out(self, notes: list[Mapping[str, Any]], payment: Mapping[str, Any], amount: Decimal, *,
                action: str) -> Decimal:
        """Pay ``amount`` back on ``notes`` that still owe the customer, through the register
        wizard (memo: the refund's reference); returns what they did not take."""
        done = self.paid_back(payment["reference"], action=action)
        currency = payment["currency"]
        left = amount
        for note in notes:
            if note["id"] in done:
                left -= done[note["id"]]
                continue
            current = self.move(note["id"], action=action)
            owed = mapping.exact(current["amount_residual"], currency) if current["state"] == "posted" else Decimal(0)
            part = min(left, owed)
            if part > 0:
                self.payments.apply(current, payment, part, action=action)
                left -= part
        return max(left, Decimal(0))

    def paid_back(self, reference: str, *, action: str) -> dict[int, Decimal]:
        """Credit note id → what the outbound payments with memo ``reference`` paid back on it."""
        rows = self.call("account.payment", "search_read", [(self.payments.reference_field, "=", reference),
                                                            ("payment_type", "=", "outbound"), LIVE],
                         ["amount", "reconciled_invoice_ids"], action=action)
        paid: dict[int, Decimal] = {}
        for row in rows:
            for note_id in row.get("reconciled_invoice_ids") or []:
                paid[note_id] = paid.get(note_id, Decimal(0)) + _number(row["amount"])
        return paid

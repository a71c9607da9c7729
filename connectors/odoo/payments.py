"""Customer payments on Odoo invoices: applied up to the amount due, the rest kept as credit.

The invoice takes what it still has to pay through the ``account.payment.register`` wizard (the
payment's memo is its reference). Whatever is left over, all of it when the invoice is already
paid (Odoo's wizard refuses those: "nothing left to pay"), is a separate posted inbound customer
payment with the memo ``<reference> (overpayment)``. Odoo leaves an unreconciled customer payment
open on the partner's receivable: that is the customer's outstanding credit, which Odoo offers
on the partner's next invoice. Two payments rather than one payment kept open beyond the
invoice make both figures visible in Odoo and let a paid invoice take a payment at all.

Each part is found by its memo before it is booked, so a retry after a crash between the two
books only what is missing (a credit payment left in draft is posted). A payment in another
currency than its invoice is refused, as on the tryton connector: what it is worth in the
invoice's currency is for the caller to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from connectors.odoo import mapping
from hub.errors import FatalError
from hub.money import quantize
from hub.o2c.settlement import credit_reference, split_payment

PAYMENT_FIELDS = ["amount", "state"]
LIVE = ("state", "not in", ["cancel", "canceled", "rejected"])


class Payments:
    """Book canonical payments on customer invoices, once per payment reference."""

    def __init__(self, call: Callable[..., Any], *, connection: str, reference_field: str, journal_id: int | None):
        self.call, self.connection = call, connection
        self.reference_field, self.journal_id = reference_field, journal_id

    def record(self, move: Mapping[str, Any], payment: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """Pay ``move`` (an account.move read) with ``payment``: ``{payment_id, credit_payment_id,
        created, applied, credit}``; applied + credit is the payment's amount."""
        currency = self.check_payable(move, payment, action=action)
        amount, created = quantize(payment["amount"], currency), False
        applied_row = self.find(payment["reference"], action=action)
        if applied_row is None:
            due, _ = split_payment(amount, mapping.exact(move.get("amount_residual"), currency), currency)
            if due:
                applied_row, created = self.apply(move, payment, due, action=action), True
        applied = mapping.exact(applied_row["amount"] if applied_row else 0, currency)
        credit = max(amount - applied, mapping.exact(0, currency))
        credit_row = None
        if credit:
            credit_row = self.find(credit_reference(payment["reference"]), action=action)
            if credit_row is None:
                credit_row, created = self.book_credit(move, payment, credit, action=action), True
            elif credit_row["state"] == "draft":
                self.call("account.payment", "action_post", [credit_row["id"]], action=action)
        return {"payment_id": applied_row["id"] if applied_row else None,
                "credit_payment_id": credit_row["id"] if credit_row else None,
                "created": created, "applied": applied, "credit": credit}

    def apply(self, move: Mapping[str, Any], payment: Mapping[str, Any], amount: Decimal, *,
              action: str) -> dict[str, Any]:
        """Pay ``amount`` of the invoice through the register wizard; the payment it made."""
        values = mapping.wizard_values(payment, amount, currency_id=move["currency_id"][0], journal_id=self.journal_id)
        context = {"context": {"active_model": "account.move", "active_ids": [move["id"]]}}
        [wizard] = self.call("account.payment.register", "create", [values], action=action, **context)
        self.call("account.payment.register", "action_create_payments", [wizard], action=action, **context)
        made = self.find(payment["reference"], action=action)
        if made is None:
            raise FatalError(f"Odoo's payment wizard made no payment with memo {payment['reference']!r} on invoice "
                             f"{move.get('name')}", connection=self.connection, action=action)
        return made

    def book_credit(self, move: Mapping[str, Any], payment: Mapping[str, Any], amount: Decimal, *,
                    action: str) -> dict[str, Any]:
        """A posted, unreconciled customer payment of ``amount``: the customer's credit."""
        values = mapping.credit_payment_values(payment, amount, partner_id=move["partner_id"][0],
                                               currency_id=move["currency_id"][0], journal_id=self.journal_id,
                                               reference_field=self.reference_field)
        [payment_id] = self.call("account.payment", "create", [values], action=action)
        self.call("account.payment", "action_post", [payment_id], action=action)
        return {"id": payment_id, "amount": amount, "state": "posted"}

    def find(self, memo: str, *, action: str) -> dict[str, Any] | None:
        """The live payment whose memo (or ref, per configuration) is ``memo``."""
        rows = self.call("account.payment", "search_read", [(self.reference_field, "=", memo), LIVE], PAYMENT_FIELDS,
                         action=action, limit=1, order="id asc")
        return rows[0] if rows else None

    def check_payable(self, move: Mapping[str, Any], payment: Mapping[str, Any], *, action: str) -> str:
        """The invoice's currency; refuse an invoice that is not posted, a payment in another
        currency and an amount that is not positive."""
        name, currency = move.get("name") or move["id"], mapping.many2one_name(move.get("currency_id"))
        if move.get("state") != "posted":
            raise FatalError(f"invoice {name} is {move.get('state')}, not open", connection=self.connection,
                             action=action)
        if payment["currency"] != currency:
            raise FatalError(f"payment {payment['reference']} is in {payment['currency']} but invoice {name} is in "
                             f"{currency}; convert it before applying it", connection=self.connection, action=action)
        if quantize(payment["amount"], currency) <= 0:
            raise FatalError(f"payment {payment['reference']} has no positive amount ({payment['amount']})",
                             connection=self.connection, action=action)
        return currency

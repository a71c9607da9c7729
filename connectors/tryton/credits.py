"""Customer credit in Tryton: the part of a payment beyond what its invoice still had to pay.

Tryton's pay wizard refuses a payment above the invoice's amount to pay, so the invoice is
paid up to that amount and the rest is booked as its own posted ``account.move`` in the
payment method's journal::

    debit   payment method's debit account      remainder
    credit  invoice's receivable account        remainder   (party = the customer)

The receivable line stays open, so Tryton shows it as a receivable balance in the customer's
favour, ready to be reconciled against a later invoice. The move's description is the payment
reference + " (overpayment)"; a move with that description is found before one is created, so
a retry never books the credit twice (a draft left by a crash before posting is posted).

Money paid back to the customer (a refund) that no credit note of the invoice takes is booked
the other way round, described with the refund reference + " (refund paid out)"::

    debit   invoice's receivable account        amount      (party = the customer)
    credit  payment method's credit account     amount

A credit note applied to an invoice (connectors.tryton.refunds) moves the amount within the
customer's receivable, described as the application::

    debit   invoice's receivable account        amount      (party = the customer; pays the note)
    credit  invoice's receivable account        amount      (party = the customer; pays the invoice)

In a foreign currency the lines carry the amount in the invoice's currency as second currency
and its counter-value in the company's currency at Tryton's rate of the payment date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from connectors.tryton.client import TrytonClient
from hub.errors import FatalError
from hub.o2c.settlement import credit_reference, payout_reference








@dataclass(frozen=True, slots=True, kw_only=True)
class CreditBooking:
    """Where and how much: everything a credit move needs, as Tryton ids and exact amounts."""

    amount: Decimal                 # in the invoice's currency
    company_amount: Decimal         # its counter-value in the company's currency
    currency_id: int | None         # the invoice's currency when it is not the company's
    company_id: int
    journal_id: int
    period_id: int
    date: dt.date
    debit_account_id: int           # the payment method's account the money moves on
    receivable_account_id: int
    party_id: int
    description: str


def credit_move_values(booking: CreditBooking) -> dict[str, Any]:
    """``account.move`` create values: debit the payment account, credit the party's receivable."""
    debit = {"account": booking.debit_account_id, "debit": booking.company_amount, "credit": Decimal(0),
             "description": booking.description}
    credit = {"account": booking.receivable_account_id, "debit": Decimal(0), "credit": booking.company_amount,
              "party": booking.party_id, "description": booking.description}
    if booking.currency_id is not None:  # signed like debit - credit, as Tryton checks
        debit.update(second_currency=booking.currency_id, amount_second_currency=booking.amount)
        credit.update(second_currency=booking.currency_id, amount_second_currency=-booking.amount)
    return {"company": booking.company_id, "journal": booking.journal_id, "period": booking.period_id,
            "date": booking.date, "description": booking.description, "lines": [("create", [debit, credit])]}


def payout_move_values(booking: CreditBooking) -> dict[str, Any]:
    """``account.move`` create values: debit the party's receivable, credit the payment account."""
    values = credit_move_values(booking)
    for _command, lines in values["lines"]:
        for line in lines:
            line["debit"], line["credit"] = line["credit"], line["debit"]
            if "amount_second_currency" in line:
                line["amount_second_currency"] = -line["amount_second_currency"]
    return values


def transfer_move_values(booking: CreditBooking) -> dict[str, Any]:
    """``account.move`` create values moving the amount within the party's receivable
    (``debit_account_id`` is the receivable): both lines carry the party."""
    values = credit_move_values(booking)
    for _command, lines in values["lines"]:
        for line in lines:
            line["party"] = booking.party_id
    return values


def company_amount(amount: Decimal, *, rate: Decimal, company_rate: Decimal, rounding: Decimal) -> Decimal:
    """``amount`` converted the way Tryton's Currency.compute does (half-even to the rounding)."""
    converted = amount * company_rate / rate
    return (converted / rounding).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * rounding


class CustomerCredits:
    """Credit moves in one Tryton database, found and booked by payment reference."""

    def __init__(self, client: TrytonClient):
        self.client = client

    def book(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], amount: Decimal, *,
             method: Mapping[str, Any], date: dt.date, action: str) -> int:
        """The posted credit move of ``payment`` (``amount`` in the invoice's currency)."""
        description = credit_reference(payment["reference"])
        found = self.find(description, company_id=invoice["company"], action=action)
        move_id = found["id"] if found else self.create(invoice, amount, method=method, date=date,
                                                        description=description, action=action)
        if not found or found["state"] != "posted":
            self.client.model("account.move", "post", [move_id], action=action)
        return move_id

    def book_payout(self, invoice: Mapping[str, Any], payment: Mapping[str, Any], amount: Decimal, *,
                    method: Mapping[str, Any], date: dt.date, action: str) -> int:
        """The posted move paying ``amount`` of refund ``payment`` back to ``invoice``'s customer
        (``method``: the payment method with its credit account)."""
        description = payout_reference(payment["reference"])
        found = self.find(description, company_id=invoice["company"], action=action)
        move_id = found["id"] if found else self.create(
            invoice, amount, method={**method, "debit_account": method["credit_account"]}, date=date,
            description=description, values=payout_move_values, action=action)
        if not found or found["state"] != "posted":
            self.client.model("account.move", "post", [move_id], action=action)
        return move_id

    def find(self, description: str, *, company_id: int, action: str) -> dict[str, Any] | None:
        """The credit move with ``description`` (id and state), if one was created."""
        moves = self.client.search_read("account.move", [("description", "=", description),
                                                         ("company", "=", company_id)],
                                        ["state"], limit=1, order=[("id", "ASC")], action=action)
        return moves[0] if moves else None

    def create(self, invoice: Mapping[str, Any], amount: Decimal, *, method: Mapping[str, Any], date: dt.date,
               description: str, values: Callable[[CreditBooking], dict[str, Any]] = credit_move_values,
               action: str) -> int:
        """A draft move for ``amount`` of ``invoice``'s customer (a credit move unless ``values``
        says otherwise)."""
        company_currency, rounding = self.company_currency(invoice["company"], action=action)
        foreign = invoice["currency"] != company_currency
        booking = CreditBooking(
            amount=amount, currency_id=invoice["currency"] if foreign else None,
            company_amount=self.convert(amount, invoice["currency"], company_currency, rounding, date,
                                        action=action) if foreign else amount,
            company_id=invoice["company"], journal_id=method["journal"], date=date,
            period_id=self.period_id(invoice["company"], date, action=action),
            debit_account_id=method["debit_account"], receivable_account_id=invoice["account"],
            party_id=invoice["party"], description=description)
        move_id, = self.client.create("account.move", [values(booking)], action=action)
        return move_id

    def company_currency(self, company_id: int, *, action: str) -> tuple[int, Decimal]:
        """The company's currency id and its rounding."""
        company, = self.client.read("company.company", [company_id], ["currency"], action=action)
        currency, = self.client.read("currency.currency", [company["currency"]], ["rounding"], action=action)
        return company["currency"], currency["rounding"]

    def convert(self, amount: Decimal, currency_id: int, company_currency_id: int, rounding: Decimal,
                date: dt.date, *, action: str) -> Decimal:
        """``amount`` in the company's currency at Tryton's rates of ``date``."""
        context = {**(self.client.context or {}), "date": date}
        rows = self.client.call("model.currency.currency.read",
                                [[currency_id, company_currency_id], ["code", "rate"], context], action=action)
        rates = {row["id"]: row for row in rows}
        for row in rows:
            if not row["rate"]:
                raise FatalError(f"Tryton has no rate for {row['code']} on {date.isoformat()}",
                                 connection=self.client.connection, action=action)
        return company_amount(amount, rate=rates[currency_id]["rate"],
                              company_rate=rates[company_currency_id]["rate"], rounding=rounding)

    def period_id(self, company_id: int, date: dt.date, *, action: str) -> int:
        """The open standard period of the company that holds ``date``."""
        ids = self.client.search("account.period", [
            ("fiscalyear.company", "=", company_id), ("type", "=", "standard"), ("state", "=", "open"),
            ("start_date", "<=", date), ("end_date", ">=", date)], limit=1, order=[("start_date", "DESC")],
            action=action)
        if not ids:
            raise FatalError(f"Tryton has no open period on {date.isoformat()} to book the overpayment in",
                             connection=self.client.connection, action=action)
        return ids[0]

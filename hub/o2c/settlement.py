"""How money settles against an invoice, the same in every ERP. Pure: no I/O.

    applied, credit = split_payment(amount, due, "EUR")    what the invoice takes, what is credit
    shares = proportional_shares(amount, weights, "EUR")   an amount spread in proportion
    credit_reference(ref), payout_reference(ref)           how the ERP entries are described

A payment pays its invoice up to what is still due; the rest (an overpayment, or all of a
payment on an invoice already paid) is kept as the customer's credit. Each ERP describes the
entry that keeps it (and the one that pays a refund back) by the payment's reference with a
fixed suffix, which is how a retry finds it again and how reconciliation reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hub.money import quantize

OVERPAYMENT = " (overpayment)"
PAID_OUT = " (refund paid out)"


def split_payment(amount: Decimal, due: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    """(applied, credit): the invoice takes up to what it still has to pay, the rest is credit."""
    amount, due = quantize(amount, currency), quantize(max(due, Decimal(0)), currency)
    applied = min(amount, due)
    return applied, amount - applied


def proportional_shares(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """``amount`` spread over ``weights`` in proportion, each share at the currency's minor unit,
    the last taking what rounding left, so the shares add up to ``amount`` exactly."""
    total = sum(weights, Decimal(0))
    shares, left = [], amount
    for index, weight in enumerate(weights):
        share = left if index == len(weights) - 1 else quantize(amount * weight / total, currency)
        left -= share
        shares.append(share)
    return shares


def credit_reference(reference: str) -> str:
    """How the entry keeping the rest of payment ``reference`` as credit is described."""
    return reference + OVERPAYMENT


def payout_reference(reference: str) -> str:
    """How the entry paying refund ``reference`` back is described."""
    return reference + PAID_OUT

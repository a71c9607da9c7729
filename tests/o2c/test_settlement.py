"""Payments split into what the invoice takes and credit; amounts spread in proportion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.o2c.settlement import credit_reference, payout_reference, proportional_shares, split_payment


@pytest.mark.parametrize("amount, due, currency, applied, credit", [
    ("100.00", "100.00", "EUR", "100.00", "0.00"),
    ("40.00", "100.00", "EUR", "40.00", "0.00"),
    ("112.34", "100.00", "EUR", "100.00", "12.34"),
    ("50.00", "0", "EUR", "0.00", "50.00"),
    ("50.00", "-3.00", "EUR", "0.00", "50.00"),
    ("1200", "1000", "JPY", "1000", "200"),
    ("1.2345", "1.000", "KWD", "1.000", "0.235"),
], ids=["full", "partial", "over", "paid-invoice", "due-below-zero", "jpy", "kwd-rounded"])
def test_a_payment_pays_up_to_what_is_due_and_the_rest_is_credit(amount, due, currency, applied, credit):
    assert split_payment(Decimal(amount), Decimal(due), currency) == (Decimal(applied), Decimal(credit))


def test_shares_add_up_exactly_with_the_last_taking_the_rounding():
    shares = proportional_shares(Decimal("100.00"), [Decimal(1), Decimal(1), Decimal(1)], "EUR")
    assert shares == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")] and sum(shares) == Decimal("100.00")
    assert proportional_shares(Decimal("1001"), [Decimal("119"), Decimal("107")], "JPY") == [Decimal(527), Decimal(474)]


def test_entries_are_described_by_the_payment_reference():
    assert credit_reference("pi_1") == "pi_1 (overpayment)" and payout_reference("re_1") == "re_1 (refund paid out)"

"""The generated benchmark (bench/cashapp): every noise kind, each payment labelled unambiguous
(a careful clerk applies it without a second look) or ambiguous. At least 95 % of the
unambiguous ones are applied without a person, none wrongly, and no ambiguous one is: it is
proposed with its candidate sets and reasons, or left unmatched."""

from __future__ import annotations

import pytest

from bench.cashapp.generate import generate
from bench.cashapp.payments import KINDS
from bench.cashapp.run import measure


@pytest.mark.parametrize("seed", [3, 11])
def test_unambiguous_payments_are_applied_and_ambiguous_ones_proposed(seed):
    figures = measure(generate(customers=500, invoices=10000, payments=1500, seed=seed))
    assert figures["wrong_auto"] == 0
    assert figures["unambiguous_auto_rate"] >= 0.95, figures["unambiguous_auto_rate"]
    assert figures["ambiguous_auto"] == 0
    assert figures["without_candidates"] == 0
    assert figures["unambiguous"] >= 1000 and figures["ambiguous"] >= 250
    kinds = {group for group, *_ in figures["counts"] if group.startswith("kind:")}
    assert kinds == {f"kind:{kind}" for kind in KINDS}
    assert {group for group, *_ in figures["counts"] if group.startswith("currency:")} == {
        "currency:EUR", "currency:JPY", "currency:KWD"}

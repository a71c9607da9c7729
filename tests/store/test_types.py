"""How documents are written: every Decimal as its decimal string at any depth, tuples as lists,
everything else as it is (the leaves are passed over where they are met)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hub.store.o2c_types import plain_json


class Text(str):
    """A str subclass (an enum's value, a markup string) is still text."""


def test_decimals_at_every_depth_become_their_strings_and_tuples_lists():
    document = {"total": Decimal("119.00"), "zero": Decimal("0.000"), "lines": (
        {"qty": Decimal("1.5"), "sku": "A", "n": 3, "ok": True, "gone": None, "rate": 0.19},
        [Decimal("-2"), (Decimal("1E+2"), "x")]), "when": date(2026, 12, 7), "name": Text("Acme")}
    assert plain_json(document) == {
        "total": "119.00", "zero": "0.000", "lines": [
            {"qty": "1.5", "sku": "A", "n": 3, "ok": True, "gone": None, "rate": 0.19},
            ["-2", ["1E+2", "x"]]], "when": date(2026, 12, 7), "name": "Acme"}
    assert type(plain_json(document)["lines"]) is list


def test_leaves_and_a_bare_decimal():
    assert plain_json(Decimal("19.99")) == "19.99"
    assert [plain_json(v) for v in ("a", 1, 1.5, False, None)] == ["a", 1, 1.5, False, None]
    assert plain_json([]) == [] and plain_json({}) == {}

"""Reconciling two lists by key, and keeping the differences as exceptions."""

from __future__ import annotations

from decimal import Decimal

import pytest

import hub.store.o2c  # noqa: F401
import hub.store.platform  # noqa: F401
from hub.o2c.reconcile import compare_lists, exception_view, list_exceptions, record_exceptions
from hub.store.base import Base, make_engine, make_sessionmaker


def field(name):
    return lambda record: record.get(name)


def diff(left, right, **kw):
    return compare_lists(left, right, key=field("number"), fields={"total": field("total"), "currency": field("currency")}, **kw)


def test_missing_on_each_side_and_mismatches():
    left = [{"number": "1", "total": "10.00", "currency": "EUR"}, {"number": "2", "total": "5", "currency": "EUR"},
            {"number": "4", "total": "1", "currency": "EUR"}]
    right = [{"number": "1", "total": Decimal("10.0"), "currency": "EUR"}, {"number": "3", "total": "1", "currency": "EUR"},
             {"number": "4", "total": "2", "currency": "USD"}]
    result = diff(left, right).as_dict()
    assert result == {
        "missing_left": ["3"], "missing_right": ["2"],
        "mismatched": [{"key": "4", "field": "total", "left": "1", "right": "2"},
                       {"key": "4", "field": "currency", "left": "EUR", "right": "USD"}],
        "differences": [
            {"kind": "mismatched", "key": "4", "field": "total", "left": "1", "right": "2"},
            {"kind": "mismatched", "key": "4", "field": "currency", "left": "EUR", "right": "USD"},
            {"kind": "missing_right", "key": "2", "field": "total", "left": "5", "right": None},
            {"kind": "missing_left", "key": "3", "field": "total", "left": None, "right": "1"},
        ],
        "matched": 1, "count": 4,
    }


@pytest.mark.parametrize(("left", "right", "tolerance", "count"), [
    ("10.00", "10.01", Decimal("0.01"), 0),
    ("10.00", "10.02", Decimal("0.01"), 1),
    ("abc", "abc", Decimal(0), 0),
    (None, "0", Decimal(0), 1),
], ids=["within_tolerance", "beyond_tolerance", "text_equal", "null_vs_zero"])
def test_values_compare_as_exact_decimals(left, right, tolerance, count):
    assert diff([{"number": "1", "total": left, "currency": "EUR"}],
                [{"number": "1", "total": right, "currency": "EUR"}], tolerance=tolerance).count == count


def test_records_sharing_a_key_add_up():
    payments = [{"number": "pi_1", "total": "100.00", "currency": "EUR"}]
    applications = [{"number": "pi_1", "total": "60.00", "currency": "EUR"},
                    {"number": "pi_1", "total": "40.00", "currency": "EUR"}, {"number": None, "total": "1"}]
    assert diff(payments, applications).count == 0


def test_exceptions_stay_open_until_no_longer_found():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        assert record_exceptions(session, "r", diff([{"number": "1"}], [{"number": "2"}]), run_id=None) == 2
    with sessions.begin() as session:
        assert record_exceptions(session, "r", diff([{"number": "1"}], []), run_id=None) == 1
    with sessions() as session:
        assert [(e.kind, e.key) for e in list_exceptions(session)] == [("missing_right", "1")]
        assert [(e.kind, e.key) for e in list_exceptions(session, status="resolved")] == [("missing_left", "2")]
    engine.dispose()


def sessions_in_memory():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    return engine, make_sessionmaker(engine)


def test_exceptions_keep_both_amounts():
    hub = [{"number": "#1001", "total": "119.50", "currency": "EUR"},
           {"number": "#1002", "total": "80.00", "currency": "EUR"},
           {"number": "#1003", "total": "12.00", "currency": "EUR"}]
    erp = [{"number": "#1001", "total": Decimal("129.50"), "currency": "EUR"},
           {"number": "#1002", "total": Decimal("80.00"), "currency": "EUR"},
           {"number": "#2001", "total": Decimal("7.25"), "currency": "EUR"}]
    engine, sessions = sessions_in_memory()
    with sessions.begin() as session:
        assert record_exceptions(session, "orders", diff(hub, erp), run_id=None) == 3
    with sessions() as session:
        rows = {(e["kind"], e["key"]): e for e in map(exception_view, list_exceptions(session))}
    assert {k: (e["field"], e["left"], e["right"]) for k, e in rows.items()} == {
        ("mismatched", "#1001"): ("total", "119.50", "129.50"),
        ("missing_right", "#1003"): ("total", "12.00", None),
        ("missing_left", "#2001"): ("total", None, "7.25"),
    }
    engine.dispose()


def test_a_corrected_amount_resolves_its_exception_and_a_new_one_keeps_the_latest_figures():
    engine, sessions = sessions_in_memory()
    hub = [{"number": "#1", "total": "10.00", "currency": "EUR"}, {"number": "#2", "total": "20.00", "currency": "EUR"}]
    with sessions.begin() as session:
        record_exceptions(session, "orders", diff(hub, [{**hub[0], "total": "11.00"}, hub[1]]), run_id=None)
    with sessions.begin() as session:
        record_exceptions(session, "orders", diff(hub, [{**hub[0], "total": "12.00"}, hub[1]]), run_id=None)
    with sessions() as session:
        (row,) = [exception_view(e) for e in list_exceptions(session)]
    assert (row["key"], row["left"], row["right"]) == ("#1", "10.00", "12.00")
    with sessions.begin() as session:
        assert record_exceptions(session, "orders", diff(hub, hub), run_id=None) == 0
    with sessions() as session:
        assert list_exceptions(session) == []
        assert [e.key for e in list_exceptions(session, status="resolved")] == ["#1"]
    engine.dispose()


def test_open_receivables_per_currency_add_up_invoices_less_credit():
    """How reconcile-receivables reads the hub's side: amounts due and negated credits, one group per currency."""
    hub = [{"currency": "EUR", "balance": "100.00"}, {"currency": "EUR", "balance": "19.50"},
           {"currency": "EUR", "balance": "-20.00"}, {"currency": "JPY", "balance": "1190"}]
    erp = [{"currency": "EUR", "balance": Decimal("99.50")}, {"currency": "JPY", "balance": Decimal("880")}]
    result = compare_lists(hub, erp, key=field("currency"), fields={"balance": field("balance")})
    assert [(d.key, d.left, d.right) for d in result.rows] == [("JPY", "1190", Decimal("880"))]
    assert result.matched == 1

"""The recipe JMESPath functions: exact Decimal math, dates, defaults, strings and lookups."""

from __future__ import annotations

from decimal import Decimal

import pytest
from jmespath.exceptions import JMESPathError

from hub.pipeline.functions import FunctionError, compile_expression, function_names, search

DATA = {
    "lines": [{"amount": "1.10"}, {"amount": "2.20"}, {"amount": "0.05"}],
    "tables": {"country_codes": {"Germany": "DE", "France": "FR"}},
    "empty": "",
    "nothing": None,
    "dec": Decimal("1.5"),
    "decs": [Decimal("2"), Decimal("1.5"), Decimal("-3")],
}


def run(expression: str):
    return search(compile_expression(expression), DATA)


@pytest.mark.parametrize(("expression", "expected"), [
    ("add('0.1', '0.2')", Decimal("0.3")),
    ("sub('1.00', '0.01')", Decimal("0.99")),
    ("mul(`0.1`, `3`)", Decimal("0.3")),
    ("div('10', '4')", Decimal("2.5")),
    ("decimal('19.99')", Decimal("19.99")),
    ("decimal(nothing)", None),
    ("sum_decimal(lines[*].amount)", Decimal("3.35")),
    ("sum_decimal(`[]`)", Decimal("0")),
    ("round_money('1234.5', 'JPY')", Decimal("1235")),
    ("round_money('1.2345', 'KWD')", Decimal("1.235")),
    ("round_money('19.995', 'EUR')", Decimal("20.00")),
    ("round_decimal('2.345', `2`)", Decimal("2.35")),
], ids=["add", "sub", "mul", "div", "decimal", "decimal-null", "sum", "sum-empty",
        "money-jpy", "money-kwd", "money-eur", "round"])
def test_decimal_math_is_exact(expression, expected):
    result = run(expression)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("expression", "expected"), [
    ("date('2024-03-01T22:15:00+01:00')", "2024-03-01"),
    ("date('2024-03-01')", "2024-03-01"),
    ("date(`1709251200`)", "2024-03-01"),
    ("date_add('2024-02-28', `2`)", "2024-03-01"),
    ("date_add('2024-03-01', `-1`)", "2024-02-29"),
    ("days_between('2024-03-01', '2024-03-31T10:00:00Z')", 30),
    ("format_date('2024-03-01', '%d.%m.%Y')", "01.03.2024"),
    ("to_datetime('2024-03-01T10:00:00+01:00')", "2024-03-01T09:00:00Z"),
    ("to_datetime('2024-03-01')", "2024-03-01T00:00:00Z"),
    ("to_datetime(`0`)", "1970-01-01T00:00:00Z"),
], ids=["date-offset", "date", "date-epoch", "add-leap", "add-negative", "between", "format",
        "utc", "midnight", "epoch"])
def test_dates(expression, expected):
    assert run(expression) == expected


@pytest.mark.parametrize(("expression", "expected"), [
    ("coalesce(nothing, empty, 'x', 'y')", "x"),
    ("coalesce(nothing, empty)", None),
    ("default(nothing, 'd')", "d"),
    ("default(empty, 'd')", "d"),
    ("default('v', 'd')", "v"),
    ("format('{0}-{1}', ['SO', `1001`])", "SO-1001"),
    ("format('{p}-{n:05d}', {p: 'SO', n: `7`})", "SO-00007"),
    ("lower('ACME')", "acme"),
    ("upper('de')", "DE"),
    ("trim('  x ')", "x"),
    ("split('a,b', ',')", ["a", "b"]),
    ("replace('a-b-c', '-', '_')", "a_b_c"),
    ("concat('SO-', `1001`, nothing)", "SO-1001"),
    ("concat(`[1]`, `[2, 3]`)", [1, 2, 3]),
    ("strip_prefix('gid://shop/Order/7', 'gid://shop/Order/')", "7"),
    ("to_int('42')", 42),
    ("to_int(`42.0`)", 42),
    ("lookup(tables.country_codes, 'Germany')", "DE"),
    ("lookup(tables.country_codes, 'Spain', 'XX')", "XX"),
    ("lookup(tables.country_codes, 'Spain', null)", None),
], ids=["coalesce", "coalesce-none", "default-null", "default-empty", "default-value", "format-list",
        "format-object", "lower", "upper", "trim", "split", "replace", "concat", "concat-lists",
        "strip-prefix", "to-int", "to-int-float", "lookup", "lookup-default", "lookup-null-default"])
def test_defaults_strings_lookups(expression, expected):
    assert run(expression) == expected


@pytest.mark.parametrize(("expression", "expected"), [
    ("sum(decs)", Decimal("0.5")),
    ("max(decs)", Decimal("2")),
    ("abs(dec)", Decimal("1.5")),
    ("sort(decs)", [Decimal("-3"), Decimal("1.5"), Decimal("2")]),
    ("type(dec)", "number"),
    ("to_string(dec)", "1.5"),
    ("to_number('2.50')", Decimal("2.50")),
    ("dec > `1`", True),
    ("decs[?@ > `1`]", [Decimal("2"), Decimal("1.5")]),
], ids=["sum", "max", "abs", "sort", "type", "to-string", "to-number", "compare", "filter"])
def test_builtins_accept_decimals(expression, expected):
    assert run(expression) == expected


@pytest.mark.parametrize(("expression", "message"), [
    ("add('abc', `1`)", "add(): 'abc' is not a number"),
    ("add(`true`, `1`)", "add(): True is not a number"),
    ("div(`1`, `0`)", "div(): cannot divide 1 by 0"),
    ("round_money('1', 'EURO')", "round_money(): 'EURO' is not an ISO 4217 currency code"),
    ("date('yesterday')", "date(): 'yesterday' is not an ISO 8601 date or date-time"),
    ("to_int('1.5')", "to_int(): '1.5' is not a whole number"),
    ("lookup(tables.country_codes, 'Spain')", "lookup(): 'Spain' is not in the table (keys: France, Germany)"),
    ("format('{0.__class__}', [`1`])",
     "format(): cannot fill '{0.__class__}': field {0.__class__} must be a plain name or position"),
    ("format('{missing}', {a: `1`})", "format(): cannot fill '{missing}': 'missing'"),
], ids=["not-a-number", "bool", "div-zero", "currency", "date", "to-int", "lookup", "format-attribute",
        "format-missing"])
def test_bad_input_names_the_function(expression, message):
    with pytest.raises(FunctionError) as caught:
        run(expression)
    assert str(caught.value) == message
    assert isinstance(caught.value, JMESPathError)


def test_function_names_include_builtins_and_extras():
    names = function_names()
    assert {"length", "sort_by", "add", "round_money", "lookup", "coalesce", "format_date"} <= names

"""The JMESPath functions recipes get on top of the JMESPath built-ins.

Numbers with a fraction are ``Decimal`` here, never float: the math functions take strings,
integers or Decimals and return Decimals, and the built-ins (``sum``, ``max``, ``sort`` ...)
accept Decimals too. Conversions (``decimal``, ``round_money``, dates, ``lower`` ...) pass a
null through unchanged, so optional fields stay optional; bad input raises ``FunctionError``
naming the function.

Decimal math::

    decimal('19.99')                      -> Decimal('19.99')
    add('0.1', '0.2')                     -> Decimal('0.3')      (also sub, mul, div)
    sum_decimal(lines[*].amount)          -> Decimal('42.50')
    round_money('1234.5', 'JPY')          -> Decimal('1235')     (the currency's minor unit)
    round_decimal('2.345', `2`)           -> Decimal('2.35')     (half up)

Dates (ISO 8601 text; datetimes without an offset are UTC)::

    date('2024-03-01T22:15:00+01:00')     -> '2024-03-01'        (the date as written)
    date(`1709251200`)                    -> '2024-03-01'        (epoch seconds, UTC)
    date_add('2024-03-01', `30`)          -> '2024-03-31'
    days_between('2024-03-01', due_date)  -> 30                  (second minus first)
    format_date('2024-03-01', '%d.%m.%Y') -> '01.03.2024'
    to_datetime('2024-03-01T10:00:00+01:00') -> '2024-03-01T09:00:00Z'

Defaults (null and '' count as missing)::

    coalesce(shipping.email, billing.email, 'unknown@example.com')
    default(note, 'none')

Strings::

    format('{0}-{1}', [prefix, number])   -> 'SO-1001'
    format('{prefix}-{n}', {prefix: 'SO', n: number})
    lower('ACME') upper('de') trim('  x ') split('a,b', ',') replace('a-b', '-', '_')
    concat('SO-', number)                 -> 'SO-1001'           (arrays: concatenated)
    strip_prefix('gid://shop/Order/7', 'gid://shop/Order/') -> '7'
    to_int('42')                          -> 42

Lookups in the recipe's ``tables``::

    lookup(tables.country_codes, country)          error if the key is not in the table
    lookup(tables.country_codes, country, 'XX')    the default when it is not
"""

from __future__ import annotations

import string
from datetime import date as Date
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from typing import Any

import jmespath
from jmespath import exceptions, functions
from jmespath.parser import ParsedResult

from hub.money import quantize

ANY = {"types": []}
MORE = {"types": [], "variadic": True}


class FunctionError(exceptions.JMESPathError):
    """A recipe function got input it cannot work with."""

    def __init__(self, function: str, message: str):
        super().__init__(f"{function}(): {message}")
        self.function = function


class HubFunctions(functions.Functions):
    """JMESPath built-ins (Decimal-aware) plus the functions listed in the module docstring."""

    # --- Decimal support for the built-ins -----------------------------------------------

    def _get_allowed_pytypes(self, types):
        allowed, subtypes = super()._get_allowed_pytypes(types)
        # The built-ins check type names; Decimal is a number for every one of them.
        allowed = [*allowed, "Decimal"] if "int" in allowed else allowed
        subtypes = [(*s, "Decimal") if "int" in s else s for s in subtypes]
        return allowed, subtypes

    def _convert_to_jmespath_type(self, pyobject):
        return "number" if pyobject == "Decimal" else super()._convert_to_jmespath_type(pyobject)

    @functions.signature(ANY)
    def _func_type(self, arg):
        return "number" if isinstance(arg, Decimal) else super()._func_type(arg)

    @functions.signature(ANY)
    def _func_to_string(self, arg):
        return str(arg) if isinstance(arg, Decimal) else super()._func_to_string(arg)

    @functions.signature(ANY)
    def _func_to_number(self, arg):
        if isinstance(arg, str):
            return _number_or_none(arg)
        return arg if isinstance(arg, Decimal) else super()._func_to_number(arg)

    # --- Decimal math ---------------------------------------------------------------------

    @functions.signature(ANY)
    def _func_decimal(self, x):
        return None if x is None else to_decimal(x, "decimal")

    @functions.signature(ANY, ANY)
    def _func_add(self, a, b):
        return to_decimal(a, "add") + to_decimal(b, "add")

    @functions.signature(ANY, ANY)
    def _func_sub(self, a, b):
        return to_decimal(a, "sub") - to_decimal(b, "sub")

    @functions.signature(ANY, ANY)
    def _func_mul(self, a, b):
        return to_decimal(a, "mul") * to_decimal(b, "mul")

    @functions.signature(ANY, ANY)
    def _func_div(self, a, b):
        try:
            return to_decimal(a, "div") / to_decimal(b, "div")
        except (DivisionByZero, InvalidOperation):
            raise FunctionError("div", f"cannot divide {a!r} by {b!r}") from None

    @functions.signature({"types": ["array"]})
    def _func_sum_decimal(self, items):
        return sum((to_decimal(x, "sum_decimal") for x in items), Decimal(0))

    @functions.signature(ANY, ANY)
    def _func_round_money(self, amount, currency):
        if amount is None:
            return None
        try:
            return quantize(to_decimal(amount, "round_money"), currency)
        except ValueError as exc:
            raise FunctionError("round_money", str(exc)) from None

    @functions.signature(ANY, ANY)
    def _func_round_decimal(self, x, places):
        if x is None:
            return None
        exponent = Decimal(1).scaleb(-_whole(places, "round_decimal"))
        return to_decimal(x, "round_decimal").quantize(exponent, rounding=ROUND_HALF_UP)

    # --- Dates ----------------------------------------------------------------------------

    @functions.signature(ANY)
    def _func_date(self, x):
        return None if x is None else _to_date(x, "date").isoformat()

    @functions.signature(ANY, ANY)
    def _func_date_add(self, day, days):
        return (_to_date(day, "date_add") + timedelta(days=_whole(days, "date_add"))).isoformat()

    @functions.signature(ANY, ANY)
    def _func_days_between(self, a, b):
        return (_to_date(b, "days_between") - _to_date(a, "days_between")).days

    @functions.signature(ANY, {"types": ["string"]})
    def _func_format_date(self, x, fmt):
        return None if x is None else _to_datetime(x, "format_date").strftime(fmt)

    @functions.signature(ANY)
    def _func_to_datetime(self, x):
        if x is None:
            return None
        return _to_datetime(x, "to_datetime").strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")

    # --- Defaults -------------------------------------------------------------------------

    @functions.signature(ANY, MORE)
    def _func_coalesce(self, *values):
        return next((v for v in values if v is not None and v != ""), None)

    @functions.signature(ANY, ANY)
    def _func_default(self, x, fallback):
        return fallback if x is None or x == "" else x

    # --- Strings --------------------------------------------------------------------------

    @functions.signature({"types": ["string"]}, {"types": ["array", "object"]})
    def _func_format(self, template, values):
        try:
            if isinstance(values, dict):
                return _FORMATTER.format(template, **values)
            return _FORMATTER.format(template, *values)
        except (KeyError, IndexError, ValueError) as exc:
            raise FunctionError("format", f"cannot fill {template!r}: {exc}") from None

    @functions.signature(ANY)
    def _func_lower(self, s):
        return None if s is None else _text(s, "lower").lower()

    @functions.signature(ANY)
    def _func_upper(self, s):
        return None if s is None else _text(s, "upper").upper()

    @functions.signature(ANY)
    def _func_trim(self, s):
        return None if s is None else _text(s, "trim").strip()

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_split(self, s, sep):
        if not sep:
            raise FunctionError("split", "the separator must not be empty")
        return s.split(sep)

    @functions.signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_replace(self, s, old, new):
        return s.replace(old, new)

    @functions.signature(ANY, MORE)
    def _func_concat(self, *values):
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, list) for v in present):
            return [item for v in present for item in v]
        return "".join(_text(v, "concat") for v in present)

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_strip_prefix(self, s, prefix):
        return s.removeprefix(prefix)

    @functions.signature(ANY)
    def _func_to_int(self, x):
        return None if x is None else _whole(x, "to_int")

    # --- Lookups --------------------------------------------------------------------------

    @functions.signature({"types": ["object"]}, MORE)
    def _func_lookup(self, table, key, *default):
        if len(default) > 1:
            raise FunctionError("lookup", "takes a table, a key and at most one default")
        if key in table:
            return table[key]
        if default:
            return default[0]
        known = ", ".join(sorted(map(str, table))[:20]) or "the table is empty"
        raise FunctionError("lookup", f"{key!r} is not in the table (keys: {known})")


class _SafeFormatter(string.Formatter):
    """str.format without attribute or index access, which could reach Python internals."""

    def get_field(self, field_name, args, kwargs):
        if "." in field_name or "[" in field_name:
            raise ValueError(f"field {{{field_name}}} must be a plain name or position")
        return super().get_field(field_name, args, kwargs)


_FORMATTER = _SafeFormatter()


def to_decimal(value: Any, function: str) -> Decimal:
    """``value`` as an exact Decimal; floats go through their shortest text form."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise FunctionError(function, f"{value!r} is not a number")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        result = value if isinstance(value, Decimal) else Decimal(text)
    except InvalidOperation:
        raise FunctionError(function, f"{value!r} is not a number") from None
    if not result.is_finite():
        raise FunctionError(function, f"{value!r} is not a finite number")
    return result


def _whole(value: Any, function: str) -> int:
    number = to_decimal(value, function)
    if number != number.to_integral_value():
        raise FunctionError(function, f"{value!r} is not a whole number")
    return int(number)


def _text(value: Any, function: str) -> str:
    if isinstance(value, (list, dict, bool)) or value is None:
        raise FunctionError(function, f"expected text, got {value!r}")
    return str(value)


def _number_or_none(text: str) -> int | Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return int(number) if number == number.to_integral_value() and "." not in text else number


def _to_date(value: Any, function: str) -> Date:
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return Date.fromisoformat(value.strip())
        except ValueError:
            pass
    moment = _parse_moment(value, function)
    return moment.date()  # the date as written, in the offset it was written with


def _to_datetime(value: Any, function: str) -> datetime:
    return _parse_moment(value, function).astimezone(timezone.utc)


def _parse_moment(value: Any, function: str) -> datetime:
    """An aware datetime from ISO text (naive = UTC) or epoch seconds."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    if not isinstance(value, str):
        raise FunctionError(function, f"{value!r} is not a date")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FunctionError(function, f"{value!r} is not an ISO 8601 date or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


#: Options passing the hub's functions to jmespath; use with ``search``.
OPTIONS = jmespath.Options(custom_functions=HubFunctions())


def function_names() -> frozenset[str]:
    """Every function name an expression may call (built-ins and the hub's own)."""
    return frozenset(HubFunctions.FUNCTION_TABLE)


def compile_expression(text: str) -> ParsedResult:
    """Parse a JMESPath expression once (raises jmespath's ParseError/LexerError)."""
    return jmespath.compile(text)


def search(parsed: ParsedResult, data: Any) -> Any:
    """Evaluate a compiled expression against ``data`` with the hub's functions."""
    return parsed.search(data, options=OPTIONS)

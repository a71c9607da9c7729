"""Money is Decimal with an ISO 4217 currency, quantized to the currency's minor unit.

>>> quantize("19.999", "EUR")
Decimal('20.00')
>>> quantize("1234.5", "JPY")
Decimal('1235')
>>> to_minor_units("1.234", "KWD")
1234
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

# ISO 4217 currencies whose minor unit is not 2 decimals (everything else has 2).
_EXPONENTS = {
    # zero decimals
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # three decimals
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four decimals
    "CLF": 4, "UYW": 4,
}


def minor_unit(currency: str) -> int:
    """Number of decimals of ``currency`` (ISO 4217 code, case-insensitive)."""
    code = str(currency).upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code")
    return _EXPONENTS.get(code, 2)


def to_decimal(value: object) -> Decimal:
    """Exact Decimal from a string, int or Decimal; floats are refused (they are not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"money must not be a {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def quantize(amount: object, currency: str) -> Decimal:
    """``amount`` rounded half-up to ``currency``'s minor unit."""
    exact = amount if type(amount) is Decimal else to_decimal(amount)  # the common case, without a call
    return exact.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


@cache
def _quantum(currency: str) -> Decimal:
    """One minor unit of ``currency`` (Decimal("0.01") for EUR), worked out once per code."""
    return Decimal(1).scaleb(-minor_unit(currency))


def to_minor_units(amount: object, currency: str) -> int:
    """``amount`` as an integer count of minor units (cents, fils, yen)."""
    return int(quantize(amount, currency).scaleb(minor_unit(currency)))


def from_minor_units(units: int, currency: str) -> Decimal:
    """The Decimal amount of ``units`` minor units of ``currency``."""
    return quantize(Decimal(int(units)).scaleb(-minor_unit(currency)), currency)

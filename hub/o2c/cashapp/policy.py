"""The cash-application policy: when money is applied without a person, and which differences
between a payment and its invoices are explained. It is the config file's ``cash_application:``
section (hub/schemas/config.schema.json; every key with its default in hub/starter/config.yaml).

    auto_apply.min_score / margin     points a set needs, and its lead over the runner-up   70 / 20
    propose.min_score                 points worth proposing (below: unapplied cash)         30
    bank_fee.max / max_share          a deduction taken as the bank's fee, at most both      15.00 / 5%
    short_payment.write_off_max / _share
                                      a short payment written off, at most both               5.00 / 2%
    early_payment_discount.grace_days days after the discount's last day it is still granted 3
    overpayment.keep_as_credit / credit_max
                                      an overpayment of clearly referenced invoices kept as
                                      customer credit, up to                                 yes / 500.00

An amount is per currency: one amount (read in each currency's own unit) or a mapping of ISO
4217 codes to amounts with ``other`` for the rest; the defaults are 15.00 / 5.00 / 500.00 and,
for the yen and the Kuwaiti dinar, 2000 / 500 / 50000 JPY and 5.000 / 1.500 / 150.000 KWD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub.money import quantize


@dataclass(frozen=True, slots=True)
class Limit:
    """An amount per currency: ``amounts`` by ISO 4217 code, ``other`` for every other currency."""

    other: Decimal
    amounts: Mapping[str, Decimal] = field(default_factory=dict)
    _of: dict[str, Decimal] = field(default_factory=dict, init=False, repr=False, compare=False)

    def of(self, currency: str) -> Decimal:
        """The limit in ``currency``, at its minor unit."""
        found = self._of.get(currency)
        if found is None:
            found = self._of[currency] = quantize(self.amounts.get(currency, self.other), currency)
        return found

    @classmethod
    def parse(cls, value: Any) -> Limit:
        """``"15.00"`` or ``{"other": "15.00", "JPY": "2000"}`` (as the config schema checked it)."""
        if isinstance(value, Mapping):
            amounts = {code: Decimal(str(amount)) for code, amount in value.items() if code != "other"}
            return cls(Decimal(str(value.get("other", "0"))), amounts)
        return cls(Decimal(str(value)))


def _limit(other: str, jpy: str, kwd: str) -> Limit:
    return Limit(Decimal(other), {"JPY": Decimal(jpy), "KWD": Decimal(kwd)})


@dataclass(frozen=True, slots=True, kw_only=True)
class Tolerance:
    """Which differences between a payment and the open amount of its invoices are explained."""

    bank_fee: Limit = field(default_factory=lambda: _limit("15.00", "2000", "5.000"))
    bank_fee_share: Decimal = Decimal("0.05")
    write_off: Limit = field(default_factory=lambda: _limit("5.00", "500", "1.500"))
    write_off_share: Decimal = Decimal("0.02")
    discount_grace_days: int = 3
    keep_overpayment: bool = True
    overpayment_max: Limit = field(default_factory=lambda: _limit("500.00", "50000", "150.000"))
    _slack: dict[str, Decimal] = field(default_factory=dict, init=False, repr=False, compare=False)

    def deduction(self, short: Decimal, open_amount: Decimal, currency: str) -> str | None:
        """``bank fee`` or ``write-off`` when a payment ``short`` of ``open_amount`` is within the
        policy; None when it is not (a partial payment)."""
        if short <= 0:
            return None
        fee, write_off = self.bank_fee.of(currency), self.write_off.of(currency)
        if short <= fee and short <= open_amount * self.bank_fee_share:
            return "bank fee"
        if short <= write_off and short <= open_amount * self.write_off_share:
            return "write-off"
        return None

    def allows(self, short: Decimal, open_amount: Decimal, currency: str) -> bool:
        """True when a payment ``short`` of ``open_amount`` settles it (a fee or a write-off)."""
        if short <= 0 or short > self.slack(currency):
            return False
        return self.deduction(short, open_amount, currency) is not None

    def slack(self, currency: str) -> Decimal:
        """The largest deduction the policy may explain in ``currency``."""
        found = self._slack.get(currency)
        if found is None:
            found = self._slack[currency] = max(self.bank_fee.of(currency), self.write_off.of(currency))
        return found

    def keeps_credit(self, surplus: Decimal, currency: str) -> bool:
        """True when the policy keeps ``surplus`` over clearly referenced invoices as credit."""
        return self.keep_overpayment and surplus <= self.overpayment_max.of(currency)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Thresholds of the matcher (see docs/cash-application.md) and the amounts policy."""

    auto_score: int = 70
    margin: int = 20
    propose_score: int = 30
    tolerance: Tolerance = field(default_factory=Tolerance)
    single_candidates: int = 500
    subset_candidates: int = 24
    subset_size: int = 4
    subset_combinations: int = 20
    customers: int = 3
    candidates: int = 5


def policy_from_config(section: Mapping[str, Any] | None) -> tuple[Policy, list[tuple[tuple, str]]]:
    """The ``cash_application:`` section (already checked against the config schema) as a
    Policy, and the problems the schema cannot see as (path, message)."""
    section = section or {}
    auto, propose = section.get("auto_apply") or {}, section.get("propose") or {}
    fee, short = section.get("bank_fee") or {}, section.get("short_payment") or {}
    discount, over = section.get("early_payment_discount") or {}, section.get("overpayment") or {}
    default, tolerance = Policy(), Tolerance()
    policy = Policy(
        auto_score=int(auto.get("min_score", default.auto_score)), margin=int(auto.get("margin", default.margin)),
        propose_score=int(propose.get("min_score", default.propose_score)),
        tolerance=Tolerance(
            bank_fee=Limit.parse(fee["max"]) if "max" in fee else tolerance.bank_fee,
            bank_fee_share=_share(fee.get("max_share"), tolerance.bank_fee_share),
            write_off=Limit.parse(short["write_off_max"]) if "write_off_max" in short else tolerance.write_off,
            write_off_share=_share(short.get("write_off_max_share"), tolerance.write_off_share),
            discount_grace_days=int(discount.get("grace_days", tolerance.discount_grace_days)),
            keep_overpayment=bool(over.get("keep_as_credit", tolerance.keep_overpayment)),
            overpayment_max=Limit.parse(over["credit_max"]) if "credit_max" in over else tolerance.overpayment_max,
        ),
    )
    problems = []
    if policy.propose_score > policy.auto_score:
        problems.append((("cash_application", "propose", "min_score"),
                         f"must not be more than auto_apply.min_score ({policy.auto_score}): "
                         "a set good enough to apply must be good enough to propose"))
    return policy, problems


def _share(value: Any, default: Decimal) -> Decimal:
    return default if value is None else Decimal(str(value).rstrip("%").strip()) / 100

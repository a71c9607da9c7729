"""The credit rules: pure functions of the facts about an order's customer and a policy.

    assess(facts, policy) -> Assessment(decision, exposure, rules)

Every rule is evaluated and reported (fired or not, or skipped with the reason), so a held
order says exactly why, and an approved one shows how close it came:

    blocked          the customer is blocked                                   → hold
    prepaid          the order is paid already: no credit is extended          → approve
    credit_limit     exposure (open AR + open unbilled orders + shipped not invoiced + this
                     order) above the limit plus the tolerance                 → hold
    overdue_days     oldest overdue invoice older than max_overdue_days        → hold
    overdue_share    overdue amount / open receivables above max_overdue_share → hold
                     (amount still due and overdue as hub.o2c.receivables defines them)
    dunning_hold     dunning put the customer on credit hold (when dunning_hold is on) → hold
    new_customer     no paid history and the order above new_customer_cap     → hold

A blocked customer is held even when prepaid (blocking is not only about credit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from hub.money import quantize

APPROVED, HELD = "approved", "held"


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The thresholds of a credit_check step; None switches a rule off."""

    tolerance: Decimal = Decimal(0)  # fraction of the limit, 0.05 for "5%"
    max_overdue_days: int | None = None
    max_overdue_share: Decimal | None = None  # fraction, 0.2 for "20%"
    dunning_hold: bool = True  # respect a credit hold placed by dunning
    new_customer_cap: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What is known about the order and its customer when it is checked (one currency)."""

    currency: str
    order_total: Decimal
    credit_limit: Decimal | None = None
    blocked: bool = False
    prepaid: bool = False
    open_receivables: Decimal = Decimal(0)
    open_orders: Decimal = Decimal(0)
    shipped_not_invoiced: Decimal = Decimal(0)
    overdue_amount: Decimal = Decimal(0)
    oldest_overdue_days: int = 0
    has_paid_history: bool = False
    on_dunning_hold: bool | None = None  # None: this hub keeps no dunning data

    @property
    def exposure(self) -> Decimal:
        total = self.open_receivables + self.open_orders + self.shipped_not_invoiced + self.order_total
        return quantize(total, self.currency)


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleResult:
    """One rule as evaluated: did it fire, on what value, against what threshold."""

    rule: str
    fired: bool
    value: str | int | bool | None
    threshold: str | int | None
    message: str
    skipped: bool = False

    def as_dict(self) -> dict:
        return {"rule": self.rule, "fired": self.fired, "skipped": self.skipped, "value": self.value,
                "threshold": self.threshold, "message": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    decision: str
    exposure: Decimal
    rules: tuple[RuleResult, ...] = field(default_factory=tuple)

    @property
    def fired(self) -> list[RuleResult]:
        return [r for r in self.rules if r.fired]

    def reason(self) -> str:
        """The fired rules' messages, for people."""
        return "; ".join(r.message for r in self.fired) or "within every credit rule"


def assess(facts: Facts, policy: Policy) -> Assessment:
    """Evaluate every rule; hold when a holding rule fires (prepaid waives the credit rules)."""
    results = tuple(rule(facts, policy) for rule in RULES)
    by_name = {r.rule: r for r in results}
    holding = [r for r in results if r.fired and r.rule != "prepaid"]
    if facts.prepaid and not by_name["blocked"].fired:
        holding = []
    return Assessment(decision=HELD if holding else APPROVED, exposure=facts.exposure, rules=results)


def _money(amount: Decimal, facts: Facts) -> str:
    return str(quantize(amount, facts.currency))


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}%"


def blocked(facts: Facts, policy: Policy) -> RuleResult:
    message = "the customer is blocked" if facts.blocked else "the customer is not blocked"
    return RuleResult(rule="blocked", fired=facts.blocked, value=facts.blocked, threshold=None, message=message)


def prepaid(facts: Facts, policy: Policy) -> RuleResult:
    message = "the order is prepaid: no credit is extended" if facts.prepaid else "the order is not prepaid"
    return RuleResult(rule="prepaid", fired=facts.prepaid, value=facts.prepaid, threshold=None, message=message)


def credit_limit(facts: Facts, policy: Policy) -> RuleResult:
    if facts.credit_limit is None:
        return RuleResult(rule="credit_limit", fired=False, skipped=True, value=_money(facts.exposure, facts),
                          threshold=None, message="the customer has no credit limit")
    allowed = quantize(facts.credit_limit * (1 + policy.tolerance), facts.currency)
    over = facts.exposure > allowed
    verb = "exceeds" if over else "is within"
    return RuleResult(rule="credit_limit", fired=over, value=_money(facts.exposure, facts), threshold=str(allowed),
                      message=f"exposure {_money(facts.exposure, facts)} {facts.currency} {verb} the limit "
                              f"{_money(facts.credit_limit, facts)} + {_percent(policy.tolerance)} tolerance "
                              f"({allowed})")


def overdue_days(facts: Facts, policy: Policy) -> RuleResult:
    days, limit = facts.oldest_overdue_days, policy.max_overdue_days
    if limit is None:
        return RuleResult(rule="overdue_days", fired=False, skipped=True, value=days, threshold=None,
                          message="no max_overdue_days in the policy")
    over = days > limit
    return RuleResult(rule="overdue_days", fired=over, value=days, threshold=limit,
                      message=f"oldest overdue invoice is {days} day(s) past due (at most {limit})")


def overdue_share(facts: Facts, policy: Policy) -> RuleResult:
    limit = policy.max_overdue_share
    share = facts.overdue_amount / facts.open_receivables if facts.open_receivables > 0 else Decimal(0)
    share = share.quantize(Decimal("0.0001"))
    if limit is None:
        return RuleResult(rule="overdue_share", fired=False, skipped=True, value=_percent(share), threshold=None,
                          message="no max_overdue_share in the policy")
    over = share > limit
    return RuleResult(rule="overdue_share", fired=over, value=_percent(share), threshold=_percent(limit),
                      message=f"{_percent(share)} of open receivables is overdue (at most {_percent(limit)})")


def dunning_hold(facts: Facts, policy: Policy) -> RuleResult:
    held = facts.on_dunning_hold
    if not policy.dunning_hold or held is None:
        why = "dunning_hold is off in the policy" if not policy.dunning_hold else "no dunning data in this hub"
        return RuleResult(rule="dunning_hold", fired=False, skipped=True, value=held, threshold=None, message=why)
    message = "dunning put the customer on credit hold" if held else "no dunning credit hold"
    return RuleResult(rule="dunning_hold", fired=held, value=held, threshold=None, message=message)


def new_customer(facts: Facts, policy: Policy) -> RuleResult:
    cap = policy.new_customer_cap
    if cap is None or facts.has_paid_history:
        why = "no new_customer_cap in the policy" if cap is None else "the customer has paid before"
        return RuleResult(rule="new_customer", fired=False, skipped=True, value=_money(facts.order_total, facts),
                          threshold=None if cap is None else _money(cap, facts), message=why)
    over = facts.order_total > cap
    verb = "exceeds" if over else "is within"
    return RuleResult(rule="new_customer", fired=over, value=_money(facts.order_total, facts),
                      threshold=_money(cap, facts),
                      message=f"new customer (no paid history): order {_money(facts.order_total, facts)} "
                              f"{verb} the cap {_money(cap, facts)}")


RULES: tuple[Callable[[Facts, Policy], RuleResult], ...] = (
    blocked, prepaid, credit_limit, overdue_days, overdue_share, dunning_hold, new_customer,
)

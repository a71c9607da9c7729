"""Every credit rule, table-driven: the facts, the policy, the decision and the rules that fired."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from hub.o2c.credit.rules import Facts, Policy, assess

POLICY = Policy(tolerance=D("0.05"), max_overdue_days=30, max_overdue_share=D("0.20"),
                new_customer_cap=D("1000.00"))
BASE = {"currency": "EUR", "order_total": D("100.00"), "credit_limit": D("1000.00"), "has_paid_history": True}

CASES = [
    pytest.param({}, POLICY, "approved", [], id="within_everything"),
    pytest.param({"open_receivables": D("900.00")}, POLICY, "approved", [], id="over_limit_within_tolerance"),
    pytest.param({"open_receivables": D("900.00"), "open_orders": D("30.00"), "shipped_not_invoiced": D("20.01")},
                 POLICY, "held", ["credit_limit"], id="over_limit_and_tolerance"),
    pytest.param({"open_receivables": D("951.00")}, Policy(), "held", ["credit_limit"], id="no_tolerance"),
    pytest.param({"credit_limit": None, "open_receivables": D("99999")}, POLICY, "approved", [], id="no_limit_skips"),
    pytest.param({"blocked": True}, POLICY, "held", ["blocked"], id="blocked"),
    pytest.param({"blocked": True, "prepaid": True}, POLICY, "held", ["blocked", "prepaid"], id="blocked_even_prepaid"),
    pytest.param({"prepaid": True, "open_receivables": D("5000")}, POLICY, "approved", ["prepaid", "credit_limit"],
                 id="prepaid_waives_limit"),
    pytest.param({"oldest_overdue_days": 31, "open_receivables": D("100"), "overdue_amount": D("10")}, POLICY,
                 "held", ["overdue_days"], id="overdue_days"),
    pytest.param({"oldest_overdue_days": 30, "open_receivables": D("100"), "overdue_amount": D("20")}, POLICY,
                 "approved", [], id="overdue_at_the_thresholds"),
    pytest.param({"open_receivables": D("100"), "overdue_amount": D("20.01"), "oldest_overdue_days": 3}, POLICY,
                 "held", ["overdue_share"], id="overdue_share"),
    pytest.param({"on_dunning_hold": True}, POLICY, "held", ["dunning_hold"], id="dunning_hold"),
    pytest.param({"on_dunning_hold": True}, Policy(dunning_hold=False), "approved", [], id="dunning_hold_off"),
    pytest.param({"has_paid_history": False, "order_total": D("1000.01"), "credit_limit": D("5000")}, POLICY,
                 "held", ["new_customer"], id="new_customer_over_cap"),
    pytest.param({"has_paid_history": False, "order_total": D("1000.00")}, POLICY, "approved", [],
                 id="new_customer_at_cap"),
]


@pytest.mark.parametrize(("facts", "policy", "decision", "fired"), CASES)
def test_rules(facts, policy, decision, fired):
    outcome = assess(Facts(**{**BASE, **facts}), policy)
    assert outcome.decision == decision
    assert [r.rule for r in outcome.fired] == fired
    assert len(outcome.rules) == 7, "every rule is reported, fired or not"


def test_a_fired_rule_says_its_value_and_threshold():
    outcome = assess(Facts(**{**BASE, "open_receivables": D("1000.00")}), POLICY)
    (rule,) = outcome.fired
    assert (rule.value, rule.threshold) == ("1100.00", "1050.00")
    assert outcome.reason() == "exposure 1100.00 EUR exceeds the limit 1000.00 + 5% tolerance (1050.00)"
    assert outcome.exposure == D("1100.00")


def test_exposure_is_quantized_to_the_currency():
    facts = Facts(currency="JPY", order_total=D("1000"), open_receivables=D("10.6"), credit_limit=D("5000"))
    assert facts.exposure == D("1011")


def test_skipped_rules_say_why():
    outcome = assess(Facts(currency="EUR", order_total=D("1")), Policy())
    skipped = {r.rule: r.message for r in outcome.rules if r.skipped}
    assert skipped == {
        "credit_limit": "the customer has no credit limit",
        "overdue_days": "no max_overdue_days in the policy",
        "overdue_share": "no max_overdue_share in the policy",
        "dunning_hold": "no dunning data in this hub",
        "new_customer": "no new_customer_cap in the policy",
    }

"""The cash-application policy is the config file's ``cash_application:`` section: every
threshold a controller signs, with defaults, amounts per currency, and every mistake reported at
its line."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from hub.errors import ConfigError
from hub.o2c.cashapp.policy import Policy
from hub.registry import ConnectorRegistry
from hub.settings import load_settings


def settings_with(tmp_path, section):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": [], "cash_application": section},
                                     sort_keys=False))
    return load_settings(config, ConnectorRegistry(), environ={})


def test_without_the_section_the_defaults_apply(tmp_path):
    policy = settings_with(tmp_path, {}).cash_application
    assert policy == Policy()
    fees = policy.tolerance.bank_fee
    assert (fees.of("EUR"), fees.of("JPY"), fees.of("KWD")) == (Decimal("15.00"), Decimal("2000"), Decimal("5.000"))
    assert (policy.auto_score, policy.margin, policy.propose_score) == (70, 20, 30)


def test_every_key_is_read(tmp_path):
    policy = settings_with(tmp_path, {
        "auto_apply": {"min_score": 80, "margin": 25}, "propose": {"min_score": 40},
        "bank_fee": {"max": "20", "max_share": "2.5%"},
        "short_payment": {"write_off_max": {"EUR": "1.00", "other": "0"}, "write_off_max_share": "1%"},
        "early_payment_discount": {"grace_days": 0},
        "overpayment": {"keep_as_credit": False, "credit_max": {"USD": "100.00"}},
    }).cash_application
    tolerance = policy.tolerance
    assert (policy.auto_score, policy.margin, policy.propose_score) == (80, 25, 40)
    assert (tolerance.bank_fee.of("EUR"), tolerance.bank_fee.of("JPY"), tolerance.bank_fee_share) == (
        Decimal("20.00"), Decimal("20"), Decimal("0.025"))
    assert (tolerance.write_off.of("EUR"), tolerance.write_off.of("GBP"), tolerance.write_off_share) == (
        Decimal("1.00"), Decimal("0.00"), Decimal("0.01"))
    assert (tolerance.discount_grace_days, tolerance.keep_overpayment) == (0, False)
    assert (tolerance.overpayment_max.of("USD"), tolerance.overpayment_max.of("EUR")) == (Decimal("100.00"),
                                                                                        Decimal("0.00"))


@pytest.mark.parametrize("section, message", [
    ({"bank_fee": {"max": "fifteen"}},
     "cash_application/bank_fee/max: 'fifteen' is not an amount: write digits with an optional decimal point, "
     'in quotes (e.g. "15.00")'),
    ({"bank_fee": {"max": {"eur": "15.00"}}},
     "cash_application/bank_fee/max: 'eur' is not a currency: write an ISO 4217 code in capitals (EUR, JPY) or other"),
    ({"short_payment": {"write_off_max_share": "2"}},
     "cash_application/short_payment/write_off_max_share: '2' is not a percentage: write a number from 0 to 100 "
     "followed by % (e.g. 5%, 2.5%)"),
    ({"auto_apply": {"min_score": 0}}, "cash_application/auto_apply/min_score: must be at least 1, not 0"),
    ({"auto_apply": {"min_score": 50}, "propose": {"min_score": 60}},
     "cash_application/propose/min_score: must not be more than auto_apply.min_score (50): a set good enough to "
     "apply must be good enough to propose"),
    ({"overpayment": {"keep": True}},
     "cash_application/overpayment/keep: unknown key 'keep' (allowed: keep_as_credit, credit_max)"),
], ids=["amount", "currency", "percentage", "score", "propose above auto", "unknown key"])
def test_a_wrong_policy_is_reported_where_it_is_written(tmp_path, section, message):
    with pytest.raises(ConfigError) as raised:
        settings_with(tmp_path, section)
    assert [f"{i.path}: {i.message}" for i in raised.value.issues] == [message]
    assert raised.value.issues[0].line > 1

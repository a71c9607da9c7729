"""The dunning file: the example loads; every problem is reported at file:line:col."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from hub import STARTER
from hub.errors import ConfigError
from hub.o2c.dunning import load_policies, parse_policies

HEAD = "dunning:\n  p:\n    connections: {slack: s}\n    levels:\n"


def test_the_example_file_loads():
    policies = load_policies(STARTER / "dunning.yaml")
    assert sorted(policies) == ["late_payment_alert", "standard"]
    alert = policies["late_payment_alert"]
    assert [(lv.name, lv.days, lv.channel) for lv in alert.levels] == [("late", 1, "slack")]
    standard = policies["standard"]
    assert standard.levels[1].min_amount == Decimal("50.00")
    assert standard.levels[-1].action == "credit_hold"


def test_the_example_file_names_connections_of_the_starter_config():
    connections = yaml.safe_load((STARTER / "config.yaml").read_text())["connections"]
    for name, policy in load_policies(STARTER / "dunning.yaml").items():
        assert set(policy.connections.values()) <= set(connections), name


@pytest.mark.parametrize("text, expected", [
    ("dunning:\n  p:\n    levels:\n      - {name: late, days: 1, channel: slack}\n",
     ["d.yaml:3:5: dunning/p: connections/slack is required (level 'late' sends by slack)"]),
    (HEAD + "      - {name: a, days: 5, channel: slack}\n      - {name: b, days: 5, channel: slack}\n",
     ["d.yaml:6:25: dunning/p/levels/1/days: levels must be in increasing order of days"]),
    (HEAD + "      - {name: a, days: 1, channel: slack}\n      - {name: a, days: 5, channel: slack}\n",
     ["d.yaml:6:16: dunning/p/levels/1/name: level 'a' is named twice"]),
    (HEAD + "      - {name: a, days: 1, channel: sms}\n",
     ["d.yaml:5:37: dunning/p/levels/0/channel: must be one of: slack, email (not 'sms')"]),
    (HEAD + "      - {name: a, days: 1.5, channel: slack}\n",
     ["d.yaml:5:25: dunning/p/levels/0/days: must be a whole number, not a number"]),
], ids=["no-connection", "days-order", "duplicate-name", "unknown-channel", "fractional-days"])
def test_problems_are_located(text, expected):
    with pytest.raises(ConfigError) as caught:
        parse_policies(text, "d.yaml")
    assert [str(issue) for issue in caught.value.issues] == expected

"""o2c-hub dunning, as an AR clerk runs it: against a store with late invoices and Slack."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml
from click.testing import CliRunner

from connectors.sandbox import serve
from connectors.slack.sandbox import create_app
from hub.cli import main
from hub.hub import Hub
from hub.store.upsert import upsert

POLICY = """\
dunning:
  late:
    description: one Slack line per late invoice
    connections: {slack: slack}
    slack_channel: "#ar-alerts"
    levels:
      - {name: late, days: 1, channel: slack, text: "{customer} has late invoices:"}
"""

RECIPE = """\
recipe: late-dunning
trigger: {schedule: {cron: "0 8 * * 1-5"}}
steps:
  - id: notices
    dunning: {policies: ../policy.yaml, policy: late, as_of: event.as_of}
"""


@pytest.fixture
def setup(tmp_path):
    app = create_app(token="xoxb-t")
    with serve(app) as slack:
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"],
                                          "connections": {
            "slack": {"connector": "slack", "token": "xoxb-t", "channel": "#ar-alerts",
                      "base_url": slack.url + "/api/"}}}))
        (tmp_path / "policy.yaml").write_text(POLICY)
        (tmp_path / "recipes").mkdir()
        (tmp_path / "recipes" / "late-dunning.yaml").write_text(RECIPE)
        hub = Hub.from_config(config)
        hub.migrate()
        due = (date.today() - timedelta(days=5)).isoformat()
        with hub.sessions.begin() as session:
            for number, email in (("INV-1", "ap@acme.example"), ("INV-2", "ap@bolt.example")):
                upsert(session, "invoice", {"number": number, "currency": "EUR", "total": "120.00",
                                            "amount_due": "120.00", "status": "open", "due_date": due,
                                            "customer": {"email": email}})
        hub.close()
        yield config, tmp_path / "policy.yaml", app.extensions["sandbox"]


def cli(config, *args):
    return CliRunner().invoke(main, ["--config", str(config), "dunning", *args], catch_exceptions=False)


def test_dunning_run_sends_each_notice_once_and_skips_disputes(setup):
    config, policy, slack = setup
    assert cli(config, "dispute", "INV-2", "--reason", "damaged goods").exit_code == 0
    first = cli(config, "run", "--policies", str(policy), "--policy", "late")
    assert first.exit_code == 0, first.output
    assert "1 notice(s)" in first.output and "email:ap@acme.example: late for 1 invoice(s)" in first.output
    assert len(slack.messages) == 1 and "INV-1" in slack.messages[0]["message"]["text"]

    again = cli(config, "run", "--policies", str(policy), "--policy", "late")
    assert "0 notice(s)" in again.output and len(slack.messages) == 1

    cli(config, "dispute", "INV-2", "--resolved")
    resumed = cli(config, "run", "--policies", str(policy), "--policy", "late")
    assert "1 notice(s)" in resumed.output and "INV-2" in slack.messages[1]["message"]["text"]


def test_unknown_policy_and_missing_reason_are_refused(setup):
    config, policy, _ = setup
    assert "has no policy 'nope'" in cli(config, "run", "--policies", str(policy), "--policy", "nope").output
    assert "give --reason" in cli(config, "dispute", "INV-1").output


def test_disputes_and_promises_are_audit_lines_the_console_reads(setup):
    """The command line leaves the same audit trail as the collections page: who, what, why."""
    from sqlalchemy import select

    from hub.store.platform import AuditEntry
    from hub.web.console.audit import entry_view

    config, _, _ = setup
    assert cli(config, "dispute", "INV-1", "--reason", "pallet arrived   broken").exit_code == 0
    promised = cli(config, "promise", "INV-2", "--until", "2030-01-15")
    assert promised.exit_code == 0, promised.output
    assert cli(config, "promise", "INV-2", "--withdraw").exit_code == 0
    assert cli(config, "dispute", "INV-1", "--resolved").exit_code == 0
    unknown = cli(config, "dispute", "INV-404", "--reason", "typo")
    assert unknown.exit_code == 1 and "there is no invoice INV-404" in unknown.output
    hub = Hub.from_config(config)
    try:
        with hub.sessions() as session:
            entries = session.scalars(select(AuditEntry).where(AuditEntry.kind.like("collections.%"))
                                      .order_by(AuditEntry.id)).all()
            views = [entry_view(e, set()) for e in entries]
    finally:
        hub.close()
    assert [e.kind for e in entries] == ["collections.dispute", "collections.promise",
                                         "collections.promise", "collections.dispute"]
    assert views[0]["why"] == "pallet arrived broken" and views[0]["who"].startswith("the command line")
    assert views[1]["what"] == [("invoice INV-2: promise to pay by 2030-01-15", None)]
    assert all(v["who"].startswith("the command line") for v in views), views


def test_a_promise_for_a_day_gone_by_is_refused(setup):
    config, _, _ = setup
    answer = cli(config, "promise", "INV-1", "--until", "2020-01-01")
    assert answer.exit_code == 1 and "a day to come" in answer.output

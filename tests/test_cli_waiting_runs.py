"""``o2c-hub trigger`` and ``replay`` with --wait on runs that wait for a person: a paused recipe's
run, a run held for a credit decision. Each returns at once with one line and its own exit code
(4 paused, 3 held) instead of waiting out the timeout; replays are audited with the reason."""

from __future__ import annotations

import time

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from hub import STARTER, jsonutil
from hub.cli import main
from hub.cli_common import command_line_actor
from hub.hub import Hub
from hub.runs.pauses import pause_recipe
from hub.store.platform import AuditEntry, Run
from hub.store.upsert import upsert

NOTE = """\
recipe: note
trigger: {manual: {}}
steps:
  - id: customer
    map: {into: customer, expr: "{name: name, email: email}"}
"""
CONNECTIONS = {
    "shop": {"connector": "http", "base_url": "http://127.0.0.1:9"},
    "erp": {"connector": "http", "base_url": "http://127.0.0.1:9", "timeout": 2,
            "actions": {"create_order": {"method": "POST", "path": "/erp/orders"}}},
    "slack": {"connector": "slack", "token": "xoxb-not-used", "channel": "#ar", "timeout": 2,
              "base_url": "http://127.0.0.1:9/api/"},
}
ORDER = {**jsonutil.loads((STARTER / "samples" / "order-created.json").read_bytes()), "financial_status": "pending"}


@pytest.fixture
def hub(tmp_path):
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "note.yaml").write_text(NOTE)
    (tmp_path / "recipes" / "order.yaml").write_text(
        (STARTER / "recipes" / "order-with-credit-check.yaml").read_text())
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(
        {"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"], "connections": CONNECTIONS}))
    hub = Hub.from_config(tmp_path / "config.yaml")
    hub.migrate()
    yield hub
    hub.close()


def cli(hub, *args: str):
    return CliRunner().invoke(main, ["--config", str(hub.settings.path), *args])


def payload(hub, data: dict) -> str:
    path = hub.settings.path.with_name("payload.json")
    path.write_text(jsonutil.dumps(data))
    return str(path)


def test_a_paused_recipe_run_is_queued_and_the_command_returns_at_once(hub):
    pause_recipe(hub.sessions, "note", who="the tests", reason="ERP maintenance")
    started = time.monotonic()
    done = cli(hub, "trigger", "note", "--payload", payload(hub, {"name": "ACME", "email": "ap@acme.example"}))
    assert time.monotonic() - started < 30  # not the 300 s a run in progress is waited for
    assert done.exit_code == 4, done.output
    assert done.output.splitlines() == [
        "queued: run 1",
        "run 1 (note): waits, recipe note is paused; it runs when the recipe is resumed "
        "(o2c-hub recipes resume note --reason WHY)"]
    with hub.sessions() as session:
        assert session.get(Run, 1).status == "queued"  # kept for the resume, not run here


def test_a_run_held_for_a_credit_decision_ends_the_wait_with_its_own_code(hub):
    with hub.sessions.begin() as session:  # the order (141.37 EUR) is over this customer's limit
        upsert(session, "customer", {"email": "maria.lopez@example.org", "currency": "EUR",
                                     "credit_limit": "100.00"}, ref=("erp", "C-7"))
    done = cli(hub, "trigger", "order-with-credit-check", "--payload", payload(hub, ORDER))
    assert done.exit_code == 3, done.output
    last = done.output.splitlines()[-1]
    assert last.startswith("run 1 (order-with-credit-check): held after 1 attempt(s)")
    assert last.endswith("; it waits for a credit decision (o2c-hub credit held, then credit approve or reject)")


def test_a_dead_run_still_exits_1_and_a_good_one_0(hub):
    dead = cli(hub, "trigger", "note", "--payload", payload(hub, {"name": "ACME", "email": 42}))
    good = cli(hub, "trigger", "note", "--payload", payload(hub, {"name": "ACME", "email": "ap@acme.example"}))
    assert (dead.exit_code, good.exit_code) == (1, 0), dead.output + good.output
    assert "run 1 (note): dead" in dead.output and "run 2 (note): succeeded" in good.output


def test_replay_needs_a_reason_and_audits_who_and_why(hub):
    cli(hub, "trigger", "note", "--payload", payload(hub, {"name": "ACME", "email": 42}))
    missing = cli(hub, "replay", "1")
    assert missing.exit_code == 1 and "Missing option '--reason'" in missing.output
    blank = cli(hub, "replay", "1", "--reason", " ")
    assert blank.exit_code == 1 and "--reason: say why (it is written to the audit log)" in blank.output
    pause_recipe(hub.sessions, "note", who="the tests", reason="the e-mails are being fixed")
    done = cli(hub, "replay", "1", "--reason", "the e-mails are fixed")
    assert done.exit_code == 4, done.output  # the replay waits for the paused recipe, at once
    assert done.output.splitlines()[0] == "run 1 replayed as run 2"
    with hub.sessions() as session:
        (line,) = session.scalars(select(AuditEntry).where(AuditEntry.kind == "replay")).all()
    assert line.detail == f"run 1 replayed by {command_line_actor()}; reason: the e-mails are fixed"
    assert line.remote_addr is None  # typed on this machine


def test_cursors_reset_needs_a_reason(hub):
    done = cli(hub, "cursors", "reset", "note")
    assert done.exit_code == 1 and "Missing option '--reason'" in done.output

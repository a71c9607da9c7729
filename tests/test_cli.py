"""The o2c-hub command, as an admin types it."""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml
from click.testing import CliRunner

from hub import STARTER
from hub.cli import main
from tests.support.fixtures import FIXTURES

MANUAL_RECIPE = """\
recipe: manual-customer
trigger: {manual: {}}
steps:
  - id: customer
    map: {expr: "{name: name, email: email, credit_limit: limit, currency: 'EUR'}", into: customer}
  - id: saved
    upsert: {entity: customer, from: customer}
"""


@pytest.fixture
def config(tmp_path):
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "manual.yaml").write_text(MANUAL_RECIPE)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"]}))
    return path


def cli(*args: str, config=None):
    prefix = ["--config", str(config)] if config else []
    return CliRunner().invoke(main, [*prefix, *args], catch_exceptions=False)


def test_validate_accepts_the_bundled_recipes():
    result = cli("validate", str(STARTER / "recipes"), config=STARTER / "config.yaml")
    assert result.exit_code == 0, result.output
    assert "recipe file(s) valid" in result.output


def test_validate_reports_every_problem_and_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("recipe: Bad Name\ntrigger:\n  webhook: {connection: nowhere}\nsteps:\n"
                   "  - id: a\n    mapp: x\n")
    result = cli("validate", str(bad), config=STARTER / "config.yaml")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1] == "o2c-hub: 3 problem(s) in 1 of 1 file(s)"
    assert all(line.startswith(f"{bad}:") for line in lines[:-1])
    assert f"{bad}:1:9: recipe:" in lines[0]
    assert any("unknown connection 'nowhere'" in line for line in lines)


def test_trigger_runs_a_recipe_with_a_payload_and_the_run_is_listed(config, tmp_path):
    payload = tmp_path / "customer.json"
    payload.write_text(json.dumps({"name": "Acme GmbH", "email": "ap@acme.example", "limit": "5000.005"}))
    result = cli("trigger", "manual-customer", "--payload", str(payload), config=config)
    assert result.exit_code == 0, result.output
    assert "run 1 (manual-customer): succeeded after 1 attempt(s)" in result.output

    shown = json.loads(cli("runs", "show", "1", config=config).output)
    customer = next(s for s in shown["steps"] if s["step"] == "customer")["output"]
    assert customer["credit_limit"] == 5000.01  # quantized half-up to the cent, exact in JSON
    listed = cli("runs", "list", config=config).output
    assert "manual-customer" in listed and "succeeded" in listed


def test_trigger_with_bad_data_dead_letters_with_a_readable_reason(config, tmp_path):
    payload = tmp_path / "bad.json"
    payload.write_text(json.dumps({"name": "Acme", "limit": "a lot"}))
    result = cli("trigger", "manual-customer", "--payload", str(payload), config=config)
    assert result.exit_code == 1
    assert "dead after 1 attempt(s): InvalidRecordError" in result.output
    assert "credit_limit" in result.output


def test_trigger_with_the_same_key_runs_once(config):
    first = cli("trigger", "manual-customer", "--key", "k1", config=config)
    again = cli("trigger", "manual-customer", "--key", "k1", config=config)
    assert "queued: run 1" in first.output
    assert "already triggered: run 1" in again.output


def test_unknown_recipe_and_run_are_named(config):
    assert "no recipe 'nope' is loaded (loaded: manual-customer)" in cli(
        "trigger", "nope", config=config).output
    result = cli("replay", "99", "--reason", "retry", config=config)
    assert result.exit_code == 1 and "there is no run 99" in result.output


def test_dead_lettered_runs_are_replayed_in_bulk(config, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "Acme", "limit": "a lot"}))
    for _ in range(2):
        cli("trigger", "manual-customer", "--payload", str(bad), config=config)
    result = cli("replay", "--dead", "--recipe", "manual-customer", "--reason", "limits fixed", config=config)
    assert "run 1 replayed as run 3" in result.output and "run 2 replayed as run 4" in result.output
    assert result.exit_code == 1  # the data is still bad: the replays die too
    again = cli("replay", "--dead", "--reason", "again", config=config).output  # only the replays, never twice
    assert "run 3 replayed as run 5" in again and "run 1 replayed" not in again
    assert "no dead-lettered runs to replay" in cli("replay", "--dead", "--recipe", "other", "--reason", "x",
                                                   config=config).output


def test_bank_import_stores_each_transaction_once(config):
    statement = FIXTURES / "bank" / "camt053" / "valid_example.xml"
    if not statement.exists():
        pytest.skip("the shared vendor fixtures are not beside this checkout")
    first = cli("bank", "import", str(statement), config=config)
    again = cli("bank", "import", str(statement), config=config)
    assert first.output.strip().endswith("5 transaction(s), 5 new, 0 already known")
    assert again.output.strip().endswith("5 transaction(s), 0 new, 5 already known")
    db = sqlite3.connect(config.parent / "hub.db")
    lines = db.execute("SELECT kind, detail FROM audit_log ORDER BY id").fetchall()
    assert [kind for kind, _ in lines] == ["bank.import", "bank.import"]
    assert lines[0][1].startswith("bank statement valid_example.xml imported by the command line")
    assert lines[1][1].endswith(": 5 transaction(s), 0 new, 5 already known")

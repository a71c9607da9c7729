"""``o2c-hub recipes list | pause | resume``: paused runs wait, and both changes are audited."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from hub.cli import main
from hub.hub import Hub
from hub.store.platform import AuditEntry
from tests.console.conftest import RECIPE


@pytest.fixture
def config(tmp_path):
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "orders.yaml").write_text(RECIPE)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"]}))
    return str(path)


def cli(config, *args):
    return CliRunner().invoke(main, ["--config", config, "recipes", *args])


def test_pause_list_resume(config):
    assert cli(config, "list").output.splitlines()[1].split() == ["orders", "active", "0"]
    paused = cli(config, "pause", "orders", "--reason", "ERP maintenance")
    assert paused.exit_code == 0 and paused.output == "recipe orders paused\n"
    assert cli(config, "pause", "orders", "--reason", "again").output == "recipe orders was already paused\n"
    line = cli(config, "list").output.splitlines()[1]
    assert line.split()[:3] == ["orders", "paused", "0"] and line.endswith(": ERP maintenance")
    resumed = cli(config, "resume", "orders", "--reason", "back")
    assert resumed.output == "recipe orders resumed; 0 run(s) waiting will run\n"
    assert cli(config, "resume", "orders", "--reason", "back").output == "recipe orders was not paused\n"
    hub = Hub.from_config(config)
    with hub.sessions() as session:
        kinds = list(session.scalars(select(AuditEntry.kind).order_by(AuditEntry.id)))
    hub.close()
    assert kinds == ["recipe.pause", "recipe.resume"]


@pytest.mark.parametrize(("args", "message"), [
    (("pause", "nope", "--reason", "x"), "no recipe 'nope' is loaded (loaded: orders)"),
    (("pause", "orders", "--reason", "  "), "--reason: say why (it is written to the audit log)"),
], ids=["unknown-recipe", "empty-reason"])
def test_refusals_are_one_line(config, args, message):
    answer = cli(config, *args)
    assert answer.exit_code == 1 and message in answer.output

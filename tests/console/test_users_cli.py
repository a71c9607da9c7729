"""``o2c-hub users add | list | remove`` and the stored hash."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from hub.cli import main
from hub.hub import Hub
from hub.store.platform import AuditEntry, ConsoleUser


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": []}))
    return str(path)


def cli(config, *args, input=None):
    return CliRunner().invoke(main, ["--config", config, "users", *args], input=input)


def test_add_list_remove(config):
    added = cli(config, "add", "alice", "--role", "ar", "--password-stdin", input="a long enough secret\n")
    assert added.exit_code == 0, added.output
    assert added.output == "user alice added with role ar\n"
    assert cli(config, "list").output == "alice\tar\n"
    hub = Hub.from_config(config)
    with hub.sessions() as session:
        stored = session.scalars(select(ConsoleUser)).one().password_hash
        audit = [e.kind for e in session.scalars(select(AuditEntry))]
    assert stored.startswith("scrypt:") and "a long enough secret" not in stored
    assert audit == ["users.add"]
    assert cli(config, "remove", "alice").output == "user alice removed\n"
    assert cli(config, "list").output.startswith("no users yet")


def test_the_password_is_asked_twice(config):
    answer = cli(config, "add", "bob", "--role", "viewer", input="one password here\nanother one here\n"
                 "a long enough secret\na long enough secret\n")
    assert "do not match" in answer.output and answer.exit_code == 0


@pytest.mark.parametrize("args, password, message", [
    (["add", "carol", "--role", "admin"], "short", "the password is 5 characters; use at least 12"),
    (["add", "no spaces", "--role", "admin"], "a long enough secret", "user name 'no spaces' is not usable"),
    (["add", "dave", "--role", "root"], "a long enough secret", "Invalid value for '--role'"),
    (["remove", "nobody"], "", "there is no user 'nobody'"),
], ids=["short-password", "bad-name", "bad-role", "unknown-user"])
def test_refusals_are_one_line(config, args, password, message):
    answer = cli(config, *args, *(["--password-stdin"] if args[0] == "add" else []), input=password + "\n")
    assert answer.exit_code == 1 and message in answer.output
    assert "Traceback" not in answer.output


def test_a_name_is_added_once(config):
    cli(config, "add", "erin", "--role", "viewer", "--password-stdin", input="a long enough secret\n")
    again = cli(config, "add", "erin", "--role", "admin", "--password-stdin", input="a long enough secret\n")
    assert again.exit_code == 1 and "there is already a user 'erin'" in again.output

"""``o2c-hub users add | list | remove | hash``, the stored hash, and the reasons in the audit log."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.security import check_password_hash

from hub.cli import main
from hub.cli_common import command_line_actor
from hub.hub import Hub
from hub.store.platform import AuditEntry, ConsoleUser
from hub.users import PASSWORD_HASH, hash_password

CAROL_HASH = hash_password("carol's long password")


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": []}))
    return str(path)


@pytest.fixture
def config_with_carol(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": [], "console": {
        "users": [{"name": "carol", "role": "ar", "password_hash": CAROL_HASH}]}}))
    return str(path)


def cli(config, *args, input=None):
    return CliRunner().invoke(main, ["--config", config, "users", *args], input=input)


def audit_lines(config) -> list[tuple[str, str]]:
    hub = Hub.from_config(config)
    hub.migrate()
    with hub.sessions() as session:
        return [(e.kind, e.detail) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_add_list_remove_with_their_reasons(config):
    added = cli(config, "add", "alice", "--role", "ar", "--reason", "new AR clerk", "--password-stdin",
                input="a long enough secret\n")
    assert added.exit_code == 0, added.output
    assert added.output == "user alice added with role ar\n"
    assert cli(config, "list").output == "alice\tar\n"
    hub = Hub.from_config(config)
    with hub.sessions() as session:
        stored = session.scalars(select(ConsoleUser)).one().password_hash
    assert stored.startswith("scrypt:") and "a long enough secret" not in stored
    assert cli(config, "remove", "alice", "--reason", "  moved to\n sales ").output == "user alice removed\n"
    assert cli(config, "list").output.startswith("no users yet")
    actor = command_line_actor()
    assert audit_lines(config) == [
        ("users.add", f"user alice (ar) added by {actor}; reason: new AR clerk"),
        ("users.remove", f"user alice (ar) removed by {actor}; reason: moved to sales"),
    ]


def test_the_password_is_asked_twice(config):
    answer = cli(config, "add", "bob", "--role", "viewer", "--reason", "auditor",
                 input="one password here\nanother one here\na long enough secret\na long enough secret\n")
    assert "do not match" in answer.output and answer.exit_code == 0


@pytest.mark.parametrize("args, password, message", [
    (["add", "carol", "--role", "admin", "--reason", "x"], "short", "the password is 5 characters; use at least 12"),
    (["add", "no spaces", "--role", "admin", "--reason", "x"], "a long enough secret", "user name 'no spaces' is not usable"),
    (["add", "dave", "--role", "root", "--reason", "x"], "a long enough secret", "Invalid value for '--role'"),
    (["add", "dave", "--role", "admin"], "a long enough secret", "Missing option '--reason'"),
    (["add", "dave", "--role", "admin", "--reason", "  "], "a long enough secret",
     "--reason: say why (it is written to the audit log)"),
    (["remove", "nobody", "--reason", "x"], "", "there is no user 'nobody'"),
    (["remove", "nobody"], "", "Missing option '--reason'"),
], ids=["short-password", "bad-name", "bad-role", "add-without-reason", "blank-reason", "unknown-user",
        "remove-without-reason"])
def test_refusals_are_one_line(config, args, password, message):
    answer = cli(config, *args, *(["--password-stdin"] if args[0] == "add" else []), input=password + "\n")
    assert answer.exit_code == 1 and message in answer.output
    assert "Traceback" not in answer.output
    assert [kind for kind, _ in audit_lines(config) if kind.startswith("users.")] == []


def test_a_name_is_added_once(config):
    cli(config, "add", "erin", "--role", "viewer", "--reason", "x", "--password-stdin", input="a long enough secret\n")
    again = cli(config, "add", "erin", "--role", "admin", "--reason", "x", "--password-stdin",
                input="a long enough secret\n")
    assert again.exit_code == 1 and "there is already a user 'erin'" in again.output


def test_hash_prints_a_hash_of_the_password_and_nothing_else(tmp_path):
    missing = str(tmp_path / "no-config.yaml")  # the config file is not read
    answer = CliRunner().invoke(main, ["--config", missing, "users", "hash"],
                                input="a long enough secret\na long enough secret\n")
    assert answer.exit_code == 0, answer.output
    (line,) = answer.stdout.splitlines()  # the prompts went to standard error
    assert PASSWORD_HASH.match(line) and check_password_hash(line, "a long enough secret")
    assert "a long enough secret" not in answer.output
    from_stdin = CliRunner().invoke(main, ["--config", missing, "users", "hash", "--password-stdin"],
                                    input="a long enough secret\n")
    assert from_stdin.stdout != answer.stdout  # a new salt each time
    assert check_password_hash(from_stdin.stdout.strip(), "a long enough secret")


def test_hash_refuses_a_short_password(tmp_path):
    answer = CliRunner().invoke(main, ["--config", str(tmp_path / "c.yaml"), "users", "hash", "--password-stdin"],
                                input="short\n")
    assert answer.exit_code == 1 and "the password is 5 characters; use at least 12" in answer.output


def test_config_users_are_listed_and_left_to_the_config_file(config_with_carol):
    assert cli(config_with_carol, "list").output == "carol\tar\t(config file)\n"
    added = cli(config_with_carol, "add", "carol", "--role", "admin", "--reason", "x", "--password-stdin",
                input="a long enough secret\n")
    removed = cli(config_with_carol, "remove", "carol", "--reason", "x")
    for answer in (added, removed):
        assert answer.exit_code == 1
        assert "user 'carol' comes from the config file (console.users): change or delete it there" in answer.output
    assert audit_lines(config_with_carol) == []

"""Console users and the session signing key from the config file (``console:``): how they are
read and checked, logging in with them, losing access when the file changes, and what
``o2c-hub run`` refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from hub.errors import ConfigError
from hub.hub import Hub
from hub.registry import ConnectorRegistry
from hub.settings import load_settings, weak_console_key_message
from hub.store.platform import AuditEntry, ConsoleKey
from hub.users import add_user, clashing_users, hash_password, record_config_users
from hub.web import create_app
from tests.console.conftest import PASSWORD, csrf_of, login

REGISTRY = ConnectorRegistry.from_entry_points()
KEY = "a-console-key-of-our-own-0123456789abcdef"
DANA_HASH = hash_password(PASSWORD)
ERIK_HASH = hash_password("erik's own long password")


def write(root: Path, console: dict | None, **more) -> Path:
    path = root / "config.yaml"
    config = {"database": "sqlite:///hub.db", "recipes": [], **more}
    if console is not None:
        config["console"] = console
    path.write_text(yaml.safe_dump(config))
    return path


def users(*entries: tuple[str, str, str]) -> list[dict]:
    return [{"name": n, "role": r, "password_hash": h} for n, r, h in entries]


def problems(tmp_path: Path, console: dict, environ: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, console), REGISTRY, environ=environ or {})
    return [str(issue) for issue in caught.value.issues]


def test_users_and_key_are_read_with_their_secrets_known(tmp_path):
    secret_file = tmp_path / "key"
    secret_file.write_text(KEY + "\n")
    path = write(tmp_path, {"secret_key": "${CONSOLE_KEY}", "users": [
        {"name": "dana", "role": "admin", "password_hash": "${DANA_HASH}"},
        {"name": "erik", "role": "viewer", "password_hash": ERIK_HASH}]})
    settings = load_settings(path, REGISTRY, environ={"CONSOLE_KEY_FILE": str(secret_file), "DANA_HASH": DANA_HASH})
    assert settings.console_secret_key == KEY
    assert [(u.name, u.role, u.password_hash) for u in settings.console_users] == [
        ("dana", "admin", DANA_HASH), ("erik", "viewer", ERIK_HASH)]
    fields = {f.key: f for f in settings.secret_fields}
    assert fields["console/secret_key"].variables == ("CONSOLE_KEY",)
    assert fields["console/users/0/password_hash"].variables == ("DANA_HASH",)
    assert "console/users/1/password_hash" in fields
    assert {KEY, DANA_HASH, ERIK_HASH} <= set(settings.secrets)  # masked wherever they would show
    assert DANA_HASH not in repr(settings) and KEY not in repr(settings)


def test_without_a_console_section_nothing_changes(tmp_path):
    settings = load_settings(write(tmp_path, None), REGISTRY, environ={})
    assert settings.console_secret_key is None and settings.console_users == ()


@pytest.mark.parametrize("console, expected", [
    ({"users": users(("dana", "admin", "correct horse battery staple"))},
     "config.yaml:4:20: console/users/0/password_hash: is not a password hash: write the line "
     "`o2c-hub users hash` prints (scrypt:...), never the password itself"),
    ({"users": users(("dana", "root", DANA_HASH))},
     "console/users/0/role: must be one of: admin, ar, viewer (not 'root')"),
    ({"users": users(("dana smith", "admin", DANA_HASH))},
     "console/users/0/name: 'dana smith' is not a usable user name: use 1-80 letters, digits, '.', '_', '@' or '-'"),
    ({"users": users(("dana", "admin", DANA_HASH), ("dana", "viewer", ERIK_HASH))},
     "console/users/1/name: user 'dana' is listed twice"),
    ({"users": [{"name": "dana", "role": "admin", "password": "in the clear"}]},
     "console/users/0/password: unknown key 'password' (allowed: name, role, password_hash)"),
    ({"secret": KEY}, "console/secret: unknown key 'secret' (allowed: secret_key, users)"),
], ids=["plain-password", "bad-role", "bad-name", "twice", "password-key", "unknown-key"])
def test_bad_console_sections_are_refused_with_their_place(tmp_path, console, expected):
    found = problems(tmp_path, console)
    assert any(expected in line for line in found), found
    assert not any("correct horse" in line or "in the clear" in line for line in found)  # never echoed


def test_an_unset_key_variable_is_named(tmp_path):
    assert any("console/secret_key: environment variable NO_SUCH_KEY is not set" in line
               for line in problems(tmp_path, {"secret_key": "${NO_SUCH_KEY}"}))


@pytest.mark.parametrize("key, refused", [
    (KEY, False), ("x" * 32, False), ("x" * 31, True), (None, False),
], ids=["own", "32-chars", "31-chars", "absent"])
def test_a_short_console_key_is_refused(tmp_path, key, refused):
    settings = load_settings(write(tmp_path, {} if key is None else {"secret_key": key}), REGISTRY, environ={})
    message = weak_console_key_message(settings)
    if refused:
        assert message.endswith("console/secret_key is 31 characters; use at least 32, e.g. openssl rand -hex 32")
    else:
        assert message is None


def run_command(root: Path, console: dict, env: dict | None = None) -> subprocess.CompletedProcess:
    """``o2c-hub run`` on an address nobody can listen on: a run that did not refuse fails anyway."""
    path = write(root, console, server={"host": "256.0.0.1"})
    return subprocess.run([sys.executable, "-m", "hub", "--config", str(path), "run"],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60, cwd=root)


@pytest.mark.parametrize("key, env, says", [
    ("short-key", {}, "console/secret_key is 9 characters; use at least 32"),
    ("demo-admin-token", {}, "refusing to start with the demo secrets published in the starter config: "
                             "console/secret_key (written in the file)"),
    ("${CONSOLE_KEY}", {"CONSOLE_KEY": ""}, "refusing to start with empty secrets: console/secret_key (set CONSOLE_KEY)"),
], ids=["short", "published", "empty"])
def test_run_refuses_a_weak_console_key(tmp_path, key, env, says):
    done = run_command(tmp_path, {"secret_key": key}, env)
    assert done.returncode == 1 and says in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_run_refuses_a_config_user_that_is_also_a_database_user(tmp_path):
    path = write(tmp_path, {"users": users(("dana", "admin", DANA_HASH), ("erik", "ar", ERIK_HASH))})
    hub = Hub.from_config(path)
    hub.migrate()
    add_user(hub.sessions, "erik", "viewer", "erik's database password", who="the tests", reason="a test user")
    assert clashing_users(hub.sessions, hub.settings.console_users) == ["erik"]
    done = run_command(tmp_path, {"users": users(("dana", "admin", DANA_HASH), ("erik", "ar", ERIK_HASH))})
    assert done.returncode == 1
    assert ("console/users names erik, also added with `o2c-hub users add`: a user comes from one place only"
            in done.stderr), done.stderr


def test_the_config_users_are_an_audit_line_when_they_change(tmp_path):
    hub = Hub.from_config(write(tmp_path, None))
    hub.migrate()
    dana = Hub.from_config(write(tmp_path, {"users": users(("dana", "admin", DANA_HASH))})).settings.console_users
    both = Hub.from_config(write(tmp_path, {"users": users(("erik", "ar", ERIK_HASH), ("dana", "admin", DANA_HASH))}
                                 )).settings.console_users
    written = [record_config_users(hub.sessions, ()),  # none before, none now: nothing to say
               record_config_users(hub.sessions, dana), record_config_users(hub.sessions, dana),
               record_config_users(hub.sessions, both), record_config_users(hub.sessions, ())]
    assert written == [False, True, False, True, True]
    with hub.sessions() as session:
        lines = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.kind == "users.config")
                                     .order_by(AuditEntry.id)))
    assert lines == ["console users of the config file at start: dana (admin)",
                     "console users of the config file at start: dana (admin), erik (ar)",
                     "console users of the config file at start: none"]


@pytest.fixture
def site(tmp_path):
    """A database shared by the hubs a test starts, as restarts with edited config files would."""
    return tmp_path


def started(site: Path, console: dict) -> Hub:
    hub = Hub.from_config(write(site, console))
    hub.migrate()
    return hub


def test_a_config_user_logs_in_with_the_role_of_the_file(site):
    hub = started(site, {"secret_key": KEY, "users": users(("dana", "ar", DANA_HASH))})
    client = create_app(hub).test_client()
    assert login(client, "dana", "not dana's password").status_code == 401
    answer = login(client, "dana")
    assert answer.status_code == 302
    assert client.get("/console/credit/").status_code == 200  # ar: the worklists
    assert client.get("/console/runs/1/edit").status_code == 403  # not admin
    with hub.sessions() as session:
        details = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.kind.like("console.login%"))
                                       .order_by(AuditEntry.id)))
        generated = session.scalar(select(func.count()).select_from(ConsoleKey))
    assert details == ["failed login as dana", "user dana logged in"]
    assert generated == 0  # the configured key signs the cookie; none is made in the database


def test_a_config_user_taken_out_of_the_file_has_no_access_from_the_next_start(site):
    before = started(site, {"secret_key": KEY, "users": users(("dana", "admin", DANA_HASH))})
    client = create_app(before).test_client()
    login(client, "dana")
    assert client.get("/console/runs/").status_code == 200
    after = started(site, {"secret_key": KEY, "users": []})
    client.application = create_app(after)  # the same browser, after a restart
    assert client.get("/console/runs/").status_code == 302  # the session names a user that is gone
    assert login(client, "dana").status_code == 401


def test_a_new_hash_in_the_file_ends_the_sessions_of_the_old_one(site):
    before = started(site, {"secret_key": KEY, "users": users(("dana", "admin", DANA_HASH))})
    client = create_app(before).test_client()
    login(client, "dana")
    same = started(site, {"secret_key": KEY, "users": users(("dana", "admin", DANA_HASH))})
    client.application = create_app(same)
    assert client.get("/console/runs/").status_code == 200  # a restart with the same file keeps it
    rotated = started(site, {"secret_key": KEY, "users": users(("dana", "admin", hash_password("dana's new password")))})
    client.application = create_app(rotated)
    assert client.get("/console/runs/").status_code == 302


def test_a_cookie_signed_with_another_key_is_not_a_session(site):
    first = started(site, {"secret_key": KEY, "users": users(("dana", "admin", DANA_HASH))})
    client = create_app(first).test_client()
    login(client, "dana")
    other = started(site, {"secret_key": KEY[::-1], "users": users(("dana", "admin", DANA_HASH))})
    client.application = create_app(other)
    assert client.get("/console/runs/").status_code == 302


def test_a_database_user_still_logs_in_beside_config_users(site):
    hub = started(site, {"users": users(("dana", "viewer", DANA_HASH))})
    add_user(hub.sessions, "fritz", "admin", PASSWORD, who="the tests", reason="a test user")
    client = create_app(hub).test_client()
    assert login(client, "fritz").status_code == 302
    page = client.get("/console/runs/")
    assert page.status_code == 200 and "fritz" in page.text
    audit = client.get("/console/audit/")
    assert 'value="dana"' in audit.text and 'value="fritz"' in audit.text  # both offered in the who filter
    assert csrf_of(page.text)

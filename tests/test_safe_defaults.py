"""Safe by default: the published demo secrets refused outside the demo, secrets read from
``*_FILE`` files, and every configured credential (the database password too) masked."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from hub import STARTER
from hub.errors import ConfigError
from hub.redact import Redactor
from hub.registry import ConnectorRegistry
from hub.settings import demo_secrets, load_settings, published_defaults

REGISTRY = ConnectorRegistry.from_entry_points()
OWN = "an-admin-token-of-our-own"


def write(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": [], **config}))
    return path


def load(tmp_path: Path, config: dict, environ: dict | None = None):
    return load_settings(write(tmp_path, config), REGISTRY, environ=environ or {})


def test_the_published_defaults_are_read_from_the_starter_config():
    published = published_defaults()
    assert {"demo-admin-token", "demo-shop-secret", "whsec_sandbox", "xoxb-demo"} <= published
    assert "default" not in published  # the ${ENV_VAR:-default} of its comments is no value


def test_the_starter_config_as_shipped_holds_only_demo_secrets():
    settings = load_settings(STARTER / "config.yaml", REGISTRY, environ={})
    keys = [f.key for f in demo_secrets(settings)]
    assert keys[0] == "admin/token"
    assert {"connections/shop/webhook/secret", "connections/stripe/webhook_secret",
            "connections/shopify/client_secret", "connections/erp/auth/bearer/token",
            "connections/mail/password"} <= set(keys)
    assert len(keys) == len(settings.secret_fields)


@pytest.mark.parametrize("config, key, hint", [
    ({"admin": {"token": "${O2C_ADMIN_TOKEN:-demo-admin-token}"}}, "admin/token", "(set O2C_ADMIN_TOKEN)"),
    ({"admin": {"token": OWN}, "connections": {"shop": {
        "connector": "http", "base_url": "http://127.0.0.1:9",
        "webhook": {"secret": "${SHOP_WEBHOOK_SECRET:-demo-shop-secret}"}}}},
     "connections/shop/webhook/secret", "(set SHOP_WEBHOOK_SECRET)"),
    ({"admin": {"token": OWN}, "connections": {"stripe": {
        "connector": "stripe", "api_key": "sk_test_ours", "webhook_secret": "whsec_sandbox"}}},
     "connections/stripe/webhook_secret", "(written in the file)"),
    ({"admin": {"token": OWN}, "connections": {"erp": {
        "connector": "http", "base_url": "http://127.0.0.1:9",
        "auth": {"bearer": {"token": "${MY_ERP_TOKEN}"}}}}},
     "connections/erp/auth/bearer/token", "(set MY_ERP_TOKEN)"),
], ids=["admin-token", "webhook-secret", "literal-in-file", "connection-secret-from-env"])
@pytest.mark.parametrize("command", ["run", "worker"])
def test_run_and_worker_refuse_a_published_demo_secret(tmp_path, config, key, hint, command):
    # an address nobody can listen on: a run that did not refuse would fail at once, not serve
    path = write(tmp_path, {**config, "server": {"host": "256.0.0.1"}, "worker_processes": 0})
    env = {k: v for k, v in os.environ.items() if k not in ("O2C_ADMIN_TOKEN", "SHOP_WEBHOOK_SECRET")}
    # a subprocess with a timeout: a worker that did not refuse would wait for runs for ever
    done = subprocess.run([sys.executable, "-m", "hub", "--config", str(path), command],
                          env={**env, "MY_ERP_TOKEN": "demo-erp-token"}, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"{key} {hint}" in lines[0]
    assert "refusing to start with the demo secrets" in lines[0]
    for secret in ("demo-admin-token", "demo-shop-secret", "whsec_sandbox", "demo-erp-token"):
        assert secret not in done.stderr
    assert not (tmp_path / "hub.db").exists(), "the refusal came after the database was touched"


def test_own_secrets_are_no_demo_secrets(tmp_path):
    settings = load(tmp_path, {"admin": {"token": "${O2C_ADMIN_TOKEN:-demo-admin-token}"}, "connections": {
        "shop": {"connector": "http", "base_url": "http://127.0.0.1:9202",  # a published URL is no secret
                 "webhook": {"secret": "${SHOP_WEBHOOK_SECRET:-demo-shop-secret}"}}}},
        environ={"O2C_ADMIN_TOKEN": OWN, "SHOP_WEBHOOK_SECRET": "our-shop-secret"})
    assert [f.key for f in settings.secret_fields] == ["admin/token", "connections/shop/webhook/secret"]
    assert demo_secrets(settings) == []


# -- secrets from files ------------------------------------------------------------------------

def test_an_unset_variable_is_read_from_the_file_its_FILE_variable_names(tmp_path):
    secret_file = tmp_path / "admin_token"
    secret_file.write_text("token-from-a-file\n")
    settings = load(tmp_path, {"admin": {"token": "${O2C_ADMIN_TOKEN:-demo-admin-token}"}},
                    environ={"O2C_ADMIN_TOKEN_FILE": str(secret_file)})
    assert settings.admin_token == "token-from-a-file"
    assert "token-from-a-file" in settings.secrets
    assert "token-from-a-file" not in repr(settings)
    assert demo_secrets(settings) == []


def test_the_variable_itself_wins_over_its_file(tmp_path):
    settings = load(tmp_path, {"admin": {"token": "${O2C_ADMIN_TOKEN}"}},
                    environ={"O2C_ADMIN_TOKEN": OWN, "O2C_ADMIN_TOKEN_FILE": str(tmp_path / "absent")})
    assert settings.admin_token == OWN


def test_every_value_read_from_a_file_is_masked(tmp_path):
    (tmp_path / "user").write_text("ar-bot-from-file\r\n")
    settings = load(tmp_path, {"connections": {"mail": {
        "connector": "email", "host": "127.0.0.1", "username": "${SMTP_USERNAME}", "password": "pw-123456",
        "from": "ar@hub.example"}}}, environ={"SMTP_USERNAME_FILE": str(tmp_path / "user")})
    assert Redactor(settings.secrets).text("login ar-bot-from-file") == "login ***"


@pytest.mark.parametrize("make, why", [
    (lambda d: d / "missing", "No such file or directory"),
    (lambda d: d, "Is a directory"),
], ids=["missing", "directory"])
def test_an_unreadable_secret_file_is_one_config_error_naming_the_variable(tmp_path, make, why):
    named = make(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, {"admin": {"token": "${O2C_ADMIN_TOKEN}"}}, environ={"O2C_ADMIN_TOKEN_FILE": str(named)})
    assert [str(i) for i in caught.value.issues] == [
        f"{tmp_path / 'config.yaml'}:2:10: admin/token: environment variable O2C_ADMIN_TOKEN_FILE "
        f"names {named}, which cannot be read: {why}"]


# -- masking -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url, hidden", [
    ("postgresql+psycopg://u:s3cret@127.0.0.1:1/x", ["s3cret"]),
    ("postgresql+psycopg://u:p%40ss-w0rd@db/x", ["p%40ss-w0rd", "p@ss-w0rd"]),
    ("postgresql+psycopg://u@db/x?password=qs-s3cret&sslmode=require", ["qs-s3cret"]),
], ids=["plain", "percent-encoded", "query"])
def test_the_database_password_is_a_secret(tmp_path, url, hidden):
    settings = load(tmp_path, {"database": url})
    masked = Redactor(settings.secrets).text(f"cannot reach {url} ({hidden[-1]})")
    assert not any(h in masked for h in hidden), masked


def test_headers_of_an_http_connection_are_secrets(tmp_path):
    settings = load(tmp_path, {"connections": {"erp": {
        "connector": "http", "base_url": "http://127.0.0.1:9", "headers": {"X-Api-Key": "hdr-s3cret"}}}})
    assert "hdr-s3cret" in settings.secrets


def test_db_upgrade_never_prints_the_database_password(tmp_path):
    path = write(tmp_path, {"database": "postgresql+psycopg://u:s3cret@127.0.0.1:1/x"})
    done = subprocess.run([sys.executable, "-m", "hub", "--config", str(path), "db", "upgrade"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode != 0
    assert "s3cret" not in done.stdout + done.stderr


# -- the admin token -----------------------------------------------------------------------------

def run_with_admin_token(tmp_path: Path, command: str, token: str) -> subprocess.CompletedProcess:
    # an address nobody can listen on: a run that did not refuse fails at once instead of serving
    path = write(tmp_path, {"admin": {"token": "${O2C_ADMIN_TOKEN}"}, "server": {"host": "256.0.0.1"},
                            "worker_processes": 0})
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_ADMIN_TOKEN")}
    return subprocess.run([sys.executable, "-m", "hub", "--config", str(path), command],
                          env={**env, "O2C_ADMIN_TOKEN": token}, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)


@pytest.mark.parametrize("token, said", [("a", "1 character"), ("x" * 23, "23 characters")], ids=["1", "23"])
@pytest.mark.parametrize("command", ["run", "worker"])
def test_run_and_worker_refuse_a_short_admin_token(tmp_path, command, token, said):
    done = run_with_admin_token(tmp_path, command, token)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [f"o2c-hub: {tmp_path / 'config.yaml'}: admin/token is {said}; "
                                        "use at least 24, e.g. openssl rand -hex 32"]
    assert not (tmp_path / "hub.db").exists(), "the refusal came after the database was touched"


def test_an_admin_token_of_24_characters_is_taken(tmp_path):
    done = run_with_admin_token(tmp_path, "run", "x" * 24)
    assert done.returncode == 1  # the address nobody can listen on, after the database was made
    assert "admin/token" not in done.stderr and "admin API" not in done.stderr
    assert (tmp_path / "hub.db").exists()


def test_run_without_an_admin_token_warns_once_that_the_admin_api_is_disabled(tmp_path):
    done = run_with_admin_token(tmp_path, "run", "")
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and warnings[0].endswith(
        "admin/token is not set: the admin API is disabled (it answers 503) until the config file gives one")
    assert (tmp_path / "hub.db").exists()


# -- the database file ---------------------------------------------------------------------------

def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    path = write(tmp_path, {"database": "sqlite:///var/hub.db"})
    done = subprocess.run([sys.executable, "-m", "hub", "--config", str(path), "db", "upgrade"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          preexec_fn=lambda: os.umask(0o022))  # the usual umask: new files 0644
    assert done.returncode == 0, done.stderr
    database = tmp_path / "var" / "hub.db"
    assert database.stat().st_mode & 0o777 == 0o600
    with closing(sqlite3.connect(database)) as conn:  # SQLite's -wal and -shm take the database's mode
        conn.execute("CREATE TABLE probe (id INTEGER)")
        conn.commit()
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        for suffix in ("-wal", "-shm"):
            assert Path(f"{database}{suffix}").stat().st_mode & 0o777 == 0o600, suffix


def test_an_existing_database_keeps_its_mode(tmp_path):
    (tmp_path / "hub.db").touch(mode=0o640)
    os.chmod(tmp_path / "hub.db", 0o640)  # touch's mode goes through the umask
    done = subprocess.run([sys.executable, "-m", "hub", "--config", str(write(tmp_path, {})), "db", "upgrade"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hub.db").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("how", ["empty-variable", "empty-file"])
def test_run_refuses_an_empty_webhook_secret(tmp_path, how):
    path = write(tmp_path, {"admin": {"token": OWN}, "server": {"host": "256.0.0.1"}, "connections": {"shop": {
        "connector": "http", "base_url": "http://127.0.0.1:9", "webhook": {"secret": "${SHOP_HOOK_SECRET}"}}}})
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_HOOK_SECRET")}
    if how == "empty-variable":
        env["SHOP_HOOK_SECRET"] = ""
    else:
        (tmp_path / "secret").write_text("\n")
        env["SHOP_HOOK_SECRET_FILE"] = str(tmp_path / "secret")
    done = subprocess.run([sys.executable, "-m", "hub", "--config", str(path), "run"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"o2c-hub: {path}: refusing to start with empty secrets: "
                           "connections/shop/webhook/secret (set SHOP_HOOK_SECRET")
    assert not (tmp_path / "hub.db").exists()

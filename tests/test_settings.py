"""The config file: every problem at once with its position; secrets from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub import STARTER
from hub.errors import ConfigError
from hub.registry import ConnectorRegistry
from hub.settings import load_settings

REGISTRY = ConnectorRegistry.from_entry_points()

BAD = """\
database: sqlite:///x.db
server:
  port: "eighty"
  hots: 127.0.0.1
workers: 0
admin:
  token: ${NOPE_TOKEN}
connections:
  erp:
    connector: http
    base_url: http://x
    timeout: -1
    auth: {bearer: {}}
  crm:
    connector: salesfarce
  Bad:
    connector: http
    base_url: http://y
"""


def load(tmp_path: Path, text: str, environ: dict | None = None):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return load_settings(path, REGISTRY, environ=environ or {})


def test_every_problem_is_reported_at_once_with_its_position(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, BAD)
    f = tmp_path / "config.yaml"
    assert [str(i) for i in caught.value.issues] == [
        f"{f}:3:9: server/port: must be a whole number, not a string",
        f"{f}:4:3: server/hots: unknown key 'hots' (allowed: host, port, threads)",
        f"{f}:5:10: workers: must be at least 1, not 0",
        f"{f}:7:10: admin/token: environment variable NOPE_TOKEN is not set",
        f"{f}:9:3: connections: 'Bad' is not a valid connection name: use lower-case letters, "
        "digits, '-' and '_', starting with a letter",
        f"{f}:12:14: connections/erp/timeout: must be more than 0, not -1",
        f"{f}:13:20: connections/erp/auth/bearer: missing required key 'token'",
        f"{f}:15:16: connections/crm/connector: unknown connector 'salesfarce' (known: "
        + ", ".join(REGISTRY.names()) + ")",
    ]


def test_environment_values_and_defaults_are_substituted(tmp_path):
    settings = load(tmp_path, (
        "database: ${DB:-sqlite:///data/hub.db}\n"
        "admin: {token: '${ADMIN}'}\n"
        "connections:\n"
        "  erp: {connector: http, base_url: 'http://erp', auth: {bearer: {token: '${ERP_TOKEN}'}}}\n"
    ), environ={"ADMIN": "adm-secret-1", "ERP_TOKEN": "erp-secret-2"})
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'hub.db'}"
    assert settings.admin_token == "adm-secret-1"
    assert {"adm-secret-1", "erp-secret-2"} <= set(settings.secrets)
    assert settings.connections["erp"].name == "erp"


def test_the_example_config_loads_as_shipped():
    settings = load_settings(STARTER / "config.yaml", REGISTRY, environ={})
    assert set(settings.connections) == {"shop", "erp", "slack", "shopify", "stripe", "salesforce", "hubspot",
                                         "ledger", "mail"}
    assert [p.name for p in settings.recipe_paths()] == sorted(
        p.name for p in (STARTER / "recipes").glob("*.yaml"))


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_settings(tmp_path / "nope.yaml", REGISTRY)

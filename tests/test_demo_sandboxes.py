"""The demo starts each sandbox on the port its connection's URL names, on this machine only."""

from __future__ import annotations

import socket

import pytest

from hub.demo import SANDBOXES, Sandboxes, sandbox_port
from hub.errors import DemoRefused
from hub.init_cli import write_site
from hub.registry import ConnectorRegistry
from hub.settings import load_settings


@pytest.fixture
def config(tmp_path, monkeypatch):
    write_site(tmp_path)
    for name in ("ERP_URL", "ODOO_URL", "O2C_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "config.yaml"


def settings(config):
    return load_settings(config, ConnectorRegistry.from_entry_points())


def test_each_sandbox_listens_where_its_connection_points(config, monkeypatch):
    monkeypatch.setenv("ODOO_URL", "http://localhost:19269")
    ports = {name: sandbox_port(settings(config), name) for name in SANDBOXES}
    assert ports == {"erp": 9200, "slack": 9201, "shopify": 9202, "stripe": 9203,
                     "salesforce": 9210, "hubspot": 9211, "odoo": 19269}


def test_a_connection_pointing_elsewhere_is_refused(config, monkeypatch):
    monkeypatch.setenv("ERP_URL", "https://erp.example.com/api")
    with pytest.raises(DemoRefused) as refused:
        Sandboxes().start(settings(config))
    assert str(refused.value) == ("the demo stands in for connection erp on this machine, but its base_url is "
                                  "https://erp.example.com/api; run the demo with the config o2c-hub init writes")


def test_a_port_in_use_is_refused_in_one_line(config, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("ERP_URL", f"http://127.0.0.1:{port}")
        with pytest.raises(DemoRefused) as refused:
            Sandboxes().start(settings(config))
    assert str(refused.value) == (f"port {port} for the erp sandbox is not free (Address already in use); "
                                  "is another demo or hub running?")

"""Tryton fixtures: the real trytond server and a connection to it."""

from __future__ import annotations

import pytest

from connectors.tryton import TrytonConnector
from hub.registry import ConnectorRegistry
from tests.support.tryton import tryton_server  # noqa: F401  (a session fixture)


@pytest.fixture
def registry() -> ConnectorRegistry:
    """The entry-point registry, with the tryton kind added if it is not installed yet."""
    registry = ConnectorRegistry.from_entry_points().clone()
    if "tryton" not in registry.names():
        registry.register(TrytonConnector)
    return registry


@pytest.fixture
def erp(tryton_server, registry):  # noqa: F811
    """A tryton connection to the test server, built the way the hub builds it."""
    config = {"url": tryton_server.url, "database": tryton_server.database,
              "username": tryton_server.user, "password": tryton_server.password, "timeout": 60}
    connection = registry.get("tryton").from_config("erp", config)
    yield connection
    connection.close()

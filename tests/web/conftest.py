"""A hub with a signed Shopify webhook connection, one webhook recipe, an AR book and one run."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import MetaData, select

from connectors.shopify.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, TOPIC_HEADER, sign
from hub.hub import Hub
from hub.store.upsert import upsert
from hub.web import create_app
from tests.o2c.reports.test_metrics import APPLICATIONS, INVOICES, PAYMENTS

SECRET = "web-test-shopify-secret"
TOKEN = "unit-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONNECTIONS = {"shop": {"connector": "shopify", "shop_url": "http://127.0.0.1:9", "client_secret": SECRET}}
RECIPE = """\
recipe: shop-orders
description: every order webhook, kept when it has a body
trigger: {webhook: {connection: shop}}
steps:
  - id: keep
    filter: "event"
"""


def signed(body: bytes, delivery: str, topic: str = "orders/create") -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(body, SECRET), TOPIC_HEADER: topic, DELIVERY_HEADER: delivery,
            "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """One migrated hub per test module (migrating takes a while); tests that store add to it."""
    root = tmp_path_factory.mktemp("web")
    (root / "recipes").mkdir()
    (root / "recipes" / "shop-orders.yaml").write_text(RECIPE)
    config = {"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"],
              "admin": {"token": TOKEN}, "connections": CONNECTIONS}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    hub = Hub.from_config(root / "config.yaml")
    hub.migrate()
    with hub.sessions.begin() as session:
        upsert(session, "customer", {"name": "ACME", "email": "ap@acme.example"})
        for entity, records in (("invoice", INVOICES), ("payment", PAYMENTS), ("payment_application", APPLICATIONS)):
            for record in records:
                upsert(session, entity, record)
    yield hub
    hub.close()


@pytest.fixture(scope="module")
def client(hub):
    client = create_app(hub).test_client()
    answer = client.post("/webhooks/shop", data=b'{"id": 1}', headers=signed(b'{"id": 1}', "first"))
    assert answer.status_code in (200, 202)
    return client


_REFLECTED: dict[int, MetaData] = {}


def store_contents(hub) -> dict[str, list[tuple]]:
    """Every row of every table: what a refused request must leave as it was."""
    tables = _REFLECTED.get(id(hub))
    if tables is None:
        tables = _REFLECTED[id(hub)] = MetaData()
        tables.reflect(hub.engine)
    with hub.sessions() as session:
        return {name: [tuple(row) for row in session.execute(select(table))]
                for name, table in tables.tables.items()}

"""Fake connections for recipe tests: only actions(), resources() and accepts_webhooks() matter."""

from __future__ import annotations

import pytest

from hub.connector import Connector


class FakeShop(Connector):
    kind = "fake_shop"

    def actions(self):
        return {"create_order": print, "cancel_order": print}

    def mappings(self):
        return {"order": dict, "customer": dict}

    def accepts_webhooks(self) -> bool:
        return True


class FakeCrm(Connector):
    kind = "fake_crm"

    def resources(self) -> frozenset[str]:
        return frozenset({"accounts", "contacts"})


class FakeChat(Connector):
    kind = "fake_chat"

    def actions(self):
        return {"notify": print}


ENTITIES = frozenset({
    "customer", "product", "sales_order", "fulfillment", "invoice", "payment",
    "payment_application", "external_ref",
})


@pytest.fixture
def connections():
    return {
        "shop": FakeShop("shop", {}),
        "erp": FakeShop("erp", {}),
        "crm": FakeCrm("crm", {}),
        "slack": FakeChat("slack", {}),
    }

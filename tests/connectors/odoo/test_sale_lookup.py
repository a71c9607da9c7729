"""The lookup of Odoo's create_sales_order, against the Odoo sandbox over real sockets."""

from __future__ import annotations

import pytest
import requests

from connectors.odoo import OdooConnector
from connectors.odoo.sandbox import create_app
from connectors.sandbox import serve
from hub.connector import ActionContext, lookup_of

CTX = ActionContext(idempotency_key="orders/erp_order/#2001")
ORDER = {
    "number": "#2001", "currency": "EUR",
    "customer": {"name": "Acme GmbH", "email": "ap@acme.example"},
    "lines": [{"sku": "WIDGET-1", "description": "Widget", "quantity": "3", "unit_price": "19.99"}],
}


@pytest.fixture
def sandbox():
    with serve(create_app(key="k3y")) as server:
        yield server


@pytest.fixture
def odoo(sandbox):
    connector = OdooConnector.from_config("erp", {"url": sandbox.url, "database": "sandbox", "api_key": "k3y",
                                                  "timeout": 5})
    yield connector
    connector.close()


def sale_orders(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.url}/_sandbox/records/sale.order", timeout=5).json()


@pytest.mark.parametrize("action", ["create_sales_order", "create_sale_order"])
def test_a_confirmed_order_is_found_with_the_answer_a_repeated_call_gives(odoo, sandbox, action):
    create = odoo.actions()[action]
    create(ORDER, CTX)
    found = lookup_of(create)(ORDER, CTX)
    assert found == create(ORDER, CTX)  # what calling again answers, without calling
    assert found["state"] == "sale" and found["created"] is False
    assert len(sale_orders(sandbox)) == 1


def test_no_order_of_that_number_is_not_found(odoo):
    assert lookup_of(odoo.actions()["create_sales_order"])(ORDER, CTX) is None


def test_a_draft_left_by_a_call_cut_short_is_not_found_and_the_call_finishes_it(odoo, sandbox):
    odoo.sales.insert(ORDER, action="create_sale_order")  # created, not confirmed: the call died there
    create = odoo.actions()["create_sales_order"]
    assert lookup_of(create)(ORDER, CTX) is None
    assert create(ORDER, CTX)["state"] == "sale"
    assert [sale["client_order_ref"] for sale in sale_orders(sandbox)] == ["#2001"]

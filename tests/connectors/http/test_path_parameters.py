"""Values put into URL paths stay one segment: the http connector's {placeholders} and Stripe ids."""

from __future__ import annotations

import pytest
import responses

from connectors.http import HttpConnector
from connectors.stripe import StripeConnector
from hub.connector import ActionContext
from hub.errors import FatalError

BASE = "https://erp.example.com/erp"


def _erp() -> HttpConnector:
    return HttpConnector.from_config("erp", {
        "base_url": BASE, "auth": {"bearer": {"token": "t"}},
        "actions": {"update_order": {"method": "PUT", "path": "/orders/{id}"},
                    "get_line": {"method": "GET", "path": "/orders/{order.id}/lines/{line}"}},
    })


def _ctx() -> ActionContext:
    return ActionContext(idempotency_key="k")


@pytest.mark.parametrize(("value", "path"), [
    ("SO-7", "/erp/orders/SO-7"),
    ("../admin", "/erp/orders/..%2Fadmin"),
    ("a/b", "/erp/orders/a%2Fb"),
    ("%2e%2e", "/erp/orders/%252e%252e"),
    ("?x=1", "/erp/orders/%3Fx%3D1"),
    ("#frag", "/erp/orders/%23frag"),
    ("..%2F..%2Fadmin", "/erp/orders/..%252F..%252Fadmin"),
], ids=["plain", "dot-dot-slash", "slash", "encoded-dots", "query", "fragment", "pre-encoded-traversal"])
def test_http_action_path_value_stays_one_segment(value, path):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.put(f"https://erp.example.com{path}", json={"ok": True})
        assert _erp().actions()["update_order"]({"id": value, "status": "paid"}, _ctx()) == {"ok": True}
        sent = mock.calls[0].request.url
    assert sent == f"https://erp.example.com{path}"


@pytest.mark.parametrize("value", ["..", ".", ""], ids=["dot-dot", "dot", "empty"])
def test_http_action_refuses_a_dot_segment_before_sending(value):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(FatalError) as raised:
            _erp().actions()["update_order"]({"id": value}, _ctx())
        assert len(mock.calls) == 0
    assert str(raised.value).startswith("erp/update_order: 'id' of path '/orders/{id}' is ")
    assert str(raised.value).endswith("which cannot identify a record in a URL path")


def test_every_placeholder_is_encoded():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(f"{BASE}/orders/a%2Fb/lines/..%2F3", json={})
        _erp().actions()["get_line"]({"order": {"id": "a/b"}, "line": "../3"}, _ctx())


def _stripe() -> StripeConnector:
    return StripeConnector.from_config("stripe", {"api_key": "sk_test_x", "base_url": "https://api.stripe.com"})


@pytest.mark.parametrize(("value", "path"), [
    ("pi_123", "/v1/payment_intents/pi_123"),
    ("../customers", "/v1/payment_intents/..%2Fcustomers"),
    ("pi_1?expand[]=customer", "/v1/payment_intents/pi_1%3Fexpand%5B%5D%3Dcustomer"),
], ids=["plain", "traversal", "query"])
def test_stripe_getter_id_stays_one_segment(value, path):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(f"https://api.stripe.com{path}", json={"id": "pi_123"})
        _stripe().actions()["get_payment_intent"]({"id": value}, _ctx())
        assert mock.calls[0].request.url == f"https://api.stripe.com{path}"


def test_stripe_getter_refuses_dot_dot():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(FatalError, match="^stripe/get_charge: the id given to get_charge is '..'"):
            _stripe().actions()["get_charge"]("..", _ctx())
        assert len(mock.calls) == 0

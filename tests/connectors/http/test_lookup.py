"""An http action's lookup: how the record of an earlier call is found, and how it is configured."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses

from connectors.http import HttpConnector
from hub.connector import ActionContext, Delivery, delivery_of, lookup_of
from hub.errors import ConfigError, FatalError, RetriableError
from hub.registry import ConnectorRegistry
from hub.settings import load_settings

BASE = "https://erp.example.com/api"
CTX = ActionContext(idempotency_key="r/erp_order/1042")
ORDER = {"number": "1042", "customer": {"email": "maria@example.org"}, "total": "141.37"}
LOOKUP = {"path": "/orders", "params": {"reference": "{number}", "email": "{customer.email}"},
          "record_path": "data", "found_when": {"reference": "{number}"}}


def erp(**action) -> HttpConnector:
    return HttpConnector.from_config("erp", {"base_url": BASE, "actions": {"create_order": action}})


def look_up(action: dict, payload=ORDER):
    return lookup_of(erp(**action).actions()["create_order"])(payload, CTX)


@responses.activate(assert_all_requests_are_fired=True)
def test_the_record_whose_fields_match_is_the_earlier_calls():
    responses.get(f"{BASE}/orders", match=[responses.matchers.query_param_matcher(
        {"reference": "1042", "email": "maria@example.org"})],
        json={"data": [{"id": 7, "reference": "10421"}, {"id": 8, "reference": "1042", "total": "141.37"}]})
    assert look_up({"path": "/orders", "lookup": LOOKUP}) == {"id": 8, "reference": "1042", "total": "141.37"}


@responses.activate(assert_all_requests_are_fired=True)
def test_a_target_that_ignores_the_filter_does_not_make_another_order_look_found():
    responses.get(f"{BASE}/orders", json={"data": [{"id": 1, "reference": "999"}, {"id": 2, "reference": None}]})
    assert look_up({"path": "/orders", "lookup": LOOKUP}) is None


@responses.activate(assert_all_requests_are_fired=True)
def test_one_record_by_path_and_numbers_compared_as_text():
    responses.get(f"{BASE}/orders/by-number/1042", json={"order": {"id": 3, "number": 1042}})
    found = look_up({"path": "/orders", "lookup": {"path": "/orders/by-number/{number}", "record_path": "order",
                                                    "found_when": {"number": "{number}"}}})
    assert found == {"id": 3, "number": 1042}


@responses.activate(assert_all_requests_are_fired=True)
@pytest.mark.parametrize("answer", [{"status": 404, "json": {"error": "no such order"}},
                                    {"json": {"data": []}}, {"json": {"data": None}}, {"body": ""}],
                         ids=["404", "empty list", "null", "empty body"])
def test_not_found(answer):
    responses.get(f"{BASE}/orders", **answer)
    assert look_up({"path": "/orders", "lookup": LOOKUP}) is None


@responses.activate(assert_all_requests_are_fired=True)
@pytest.mark.parametrize(("status", "error"), [(503, RetriableError), (401, FatalError), (400, FatalError)])
def test_a_lookup_that_cannot_tell_raises(status, error):
    responses.get(f"{BASE}/orders", status=status, json={"error": "no"})
    with pytest.raises(error, match="erp/create_order lookup"):
        look_up({"path": "/orders", "lookup": LOOKUP})


def test_a_placeholder_missing_from_the_payload_is_named():
    with pytest.raises(FatalError, match="needs 'customer.email' in the payload"):
        look_up({"path": "/orders", "lookup": LOOKUP}, payload={"number": "1042"})


@pytest.mark.parametrize(("action", "delivery"), [
    ({"method": "POST", "path": "/orders", "lookup": LOOKUP}, Delivery.LOOKED_UP),
    ({"method": "POST", "path": "/orders"}, Delivery.AT_LEAST_ONCE),
    ({"method": "PATCH", "path": "/orders/{number}"}, Delivery.AT_LEAST_ONCE),
    ({"method": "PUT", "path": "/orders/{number}"}, Delivery.REPEATABLE),
    ({"method": "DELETE", "path": "/orders/{number}"}, Delivery.REPEATABLE),
], ids=["post with lookup", "post", "patch", "put", "delete"])
def test_what_each_action_declares(action, delivery):
    assert delivery_of(erp(**action).actions()["create_order"]) is delivery


CONFIG = """\
database: sqlite:///x.db
connections:
  erp:
    connector: http
    base_url: https://erp.example.com/api
    actions:
      create_order:
        path: /orders
        lookup: {lookup}
"""


@pytest.mark.parametrize(("lookup", "message"), [
    ("{path: /orders}", "9:17: connections/erp/actions/create_order/lookup: missing required key 'found_when'"),
    ("{path: /orders, found_when: {}}",
     "9:45: connections/erp/actions/create_order/lookup/found_when: must name at least one key"),
    ('{path: "/orders/{number", found_when: {reference: "{number}"}}',
     "9:24: connections/erp/actions/create_order/lookup/path: '/orders/{number' is not text whose {placeholders} "
     "name fields of the payload, e.g. {number} or {customer.email}"),
    ('{path: /orders, params: {ref: "{}"}, found_when: {reference: "{number}"}}',
     "9:47: connections/erp/actions/create_order/lookup/params/ref: '{}' is not text whose {placeholders} "
     "name fields of the payload, e.g. {number} or {customer.email}"),
    ("{path: /orders, method: POST, found_when: {reference: x}}",
     "9:33: connections/erp/actions/create_order/lookup/method: unknown key 'method' (allowed: path, params, "
     "record_path, found_when)"),
], ids=["no found_when", "empty found_when", "open placeholder", "empty placeholder", "no method"])
def test_a_bad_lookup_is_reported_where_it_is_written(tmp_path: Path, lookup, message):
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.replace("{lookup}", lookup))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, ConnectorRegistry.from_entry_points(), environ={})
    assert [str(issue) for issue in caught.value.issues] == [f"{path}:{message}"]

"""Polling, errors and idempotent POSTs against the Stripe sandbox over real sockets."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests

from connectors.sandbox import serve
from connectors.stripe import StripeConnector
from connectors.stripe.sandbox import create_app
from hub.connector import ActionContext, Cursor
from hub.errors import FatalError, RetriableError

KEY = "sk_test_sandbox_key"
T0 = 1_700_000_000


def intents(count: int) -> list[dict]:
    return [{"id": f"pi_{n:03d}", "object": "payment_intent", "amount": 1000 + n, "amount_received": 1000 + n,
             "currency": "eur", "status": "succeeded", "created": T0 + n * 60, "metadata": {}}
            for n in range(count)]


@pytest.fixture
def sandbox():
    app = create_app(api_key=KEY, webhook_secret="whsec_x")
    with serve(app) as server:
        yield server, app.extensions["sandbox"]


@pytest.fixture
def account(sandbox):
    server, _ = sandbox
    connection = StripeConnector.from_config("stripe", {"api_key": KEY, "base_url": server.url, "page_size": 2})
    yield connection
    connection.close()


def put(server, path: str, body) -> requests.Response:
    answer = requests.post(f"{server.url}{path}", json=body, timeout=5)
    answer.raise_for_status()
    return answer


def test_poll_follows_starting_after_and_yields_oldest_first(sandbox, account):
    server, state = sandbox
    put(server, "/_sandbox/objects", intents(5))
    records = list(account.poll("payment_intents", Cursor(start=None)))
    assert [r.id for r in records] == ["pi_000", "pi_001", "pi_002", "pi_003", "pi_004"]
    assert records[0].updated_at == datetime.fromtimestamp(T0, tz=timezone.utc)
    queries = [h["query"] for h in state.hits if h["path"] == "/v1/payment_intents"]
    assert len(queries) == 3 and "starting_after=pi_003" in queries[1] and "starting_after=pi_001" in queries[2]


def test_poll_sends_created_gte(sandbox, account):
    server, state = sandbox
    put(server, "/_sandbox/objects", intents(5))
    start = datetime.fromtimestamp(T0 + 120, tz=timezone.utc)
    assert [r.id for r in account.poll("payment_intents", Cursor(start=start))] == ["pi_002", "pi_003", "pi_004"]
    assert f"created%5Bgte%5D={T0 + 120}" in state.hits[-1]["query"]


def test_429_is_retriable_with_retry_after(sandbox, account):
    server, _ = sandbox
    put(server, "/_sandbox/faults", [{"status": 429, "headers": {"Retry-After": "3"}}])
    with pytest.raises(RetriableError) as caught:
        list(account.poll("charges", Cursor(start=None)))
    assert (caught.value.status, caught.value.retry_after) == (429, 3.0)
    assert list(account.poll("charges", Cursor(start=None))) == []  # the next poll goes through


@pytest.mark.parametrize(("fault", "error", "words"), [
    (402, FatalError, "stripe card_error (card_declined): Your card was declined."),
    ({"status": 400, "body": {"error": {"type": "invalid_request_error", "code": "parameter_invalid_integer",
                                         "message": "Invalid integer: abc"}}}, FatalError,
     "stripe invalid_request_error (parameter_invalid_integer): Invalid integer: abc"),
    (500, RetriableError, "stripe api_error: sandbox fault 500"),
    ({"status": 409, "body": {"error": {"type": "invalid_request_error", "code": "lock_timeout",
                                         "message": "This object cannot be accessed right now"}}}, RetriableError,
     "stripe invalid_request_error (lock_timeout)"),
], ids=["402-card", "400-invalid", "500-api", "409-lock-timeout"])
def test_stripe_errors_are_classified(sandbox, account, fault, error, words):
    server, _ = sandbox
    put(server, "/_sandbox/faults", [fault])
    with pytest.raises(error) as caught:
        account.actions()["create_refund"]({"payment": "pi_000"}, ActionContext(idempotency_key="k-1"))
    assert words in str(caught.value)
    assert type(caught.value) is error


def test_wrong_key_is_fatal_and_not_echoed(sandbox):
    server, _ = sandbox
    connection = StripeConnector.from_config("stripe", {"api_key": "sk_test_wrongsecretvalue", "base_url": server.url})
    with pytest.raises(FatalError) as caught:
        list(connection.poll("charges", Cursor(start=None)))
    assert caught.value.status == 401 and "wrongsecretvalue" not in str(caught.value)


def test_every_post_carries_the_idempotency_key_and_the_sandbox_dedupes(sandbox, account):
    server, state = sandbox
    put(server, "/_sandbox/objects", intents(1))
    refund = account.actions()["create_refund"]
    context = ActionContext(idempotency_key="run-7:refund")
    first = refund({"payment": "pi_000", "amount": "4.00", "currency": "EUR"}, context)
    again = refund({"payment": "pi_000", "amount": "4.00", "currency": "EUR"}, context)
    assert first == again and first["amount"] == 400
    assert len(state.objects["refunds"]) == 1
    assert [r["idempotency_key"] for r in state.requests] == ["run-7:refund", "run-7:refund"]
    customer = account.actions()["create_customer"]({"name": "Acme GmbH", "email": "ap@acme.example"},
                                                    ActionContext(idempotency_key="run-8:customer"))
    assert customer["name"] == "Acme GmbH"
    assert all(r["idempotency_key"] for r in state.requests)


def test_same_key_with_other_parameters_is_fatal(sandbox, account):
    server, _ = sandbox
    put(server, "/_sandbox/objects", intents(1))
    context = ActionContext(idempotency_key="run-9")
    account.actions()["create_refund"]({"payment": "pi_000", "amount": "1", "currency": "EUR"}, context)
    with pytest.raises(FatalError, match="idempotency_error"):
        account.actions()["create_refund"]({"payment": "pi_000", "amount": "2", "currency": "EUR"}, context)


def test_a_post_without_a_key_is_never_sent(sandbox, account):
    _, state = sandbox
    with pytest.raises(FatalError, match="idempotency key"):
        account.client.post("/v1/refunds", {"charge": "ch_1"}, idempotency_key="", action="create_refund")
    assert state.hits == []


def test_get_actions_and_missing_objects(sandbox, account):
    server, _ = sandbox
    put(server, "/_sandbox/objects", intents(1))
    assert account.actions()["get_payment_intent"]("pi_000", ActionContext(idempotency_key="k"))["amount"] == 1000
    with pytest.raises(FatalError, match="resource_missing"):
        account.actions()["get_charge"]({"id": "ch_nope"}, ActionContext(idempotency_key="k"))

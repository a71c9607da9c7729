"""The JSON-RPC client against faked HTTP: encoding, login, session renewal, error classes."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest
import requests
import responses

from connectors.tryton import codec
from connectors.tryton.client import TrytonClient
from hub.errors import FatalError, RetriableError

URL = "http://tryton.test/o2c/rpc/"


def result(value):
    return {"body": codec.dumps({"id": 1, "result": value}), "content_type": "application/json"}


def error(value):
    return {"body": json.dumps({"id": 1, "error": value}), "content_type": "application/json"}


def logged_in(mock: responses.RequestsMock, session: str = "s1") -> None:
    mock.post(URL, **result([7, session, None]))
    mock.post(URL, **result({"company": 1, "language": "en"}))


def client() -> TrytonClient:
    return TrytonClient("http://tryton.test/", "o2c", "admin", "pw", timeout=9, connection="erp")


def sent(call) -> dict:
    return json.loads(call.request.body)


def test_codec_round_trips_decimals_and_dates_exactly():
    value = {"amount": Decimal("12.90"), "day": dt.date(2024, 3, 31), "at": dt.datetime(2024, 3, 31, 9, 30, 1, 5),
             "items": (Decimal("0.1"),)}
    text = codec.dumps(value)
    assert '{"__class__":"Decimal","decimal":"12.90"}' in text
    assert '{"__class__":"date","year":2024,"month":3,"day":31}' in text
    assert codec.loads(text) == {**value, "items": [Decimal("0.1")]}
    assert codec.loads('{"x": 0.1}') == {"x": Decimal("0.1")}


def test_login_then_session_header_and_context():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock)
        mock.post(URL, **result([{"id": 3, "total_amount": {"__class__": "Decimal", "decimal": "31.31"}}]))
        rows = client().read("sale.sale", [3], ["total_amount"])
        login, preferences, read = list(mock.calls)
    assert sent(login) == {"id": 1, "method": "common.db.login", "params": ["admin", {"password": "pw"}]}
    assert sent(preferences)["method"] == "model.res.user.get_preferences"
    expected = "Session " + base64.b64encode(b"admin:7:s1").decode()
    assert read.request.headers["Authorization"] == expected
    assert sent(read)["params"] == [[3], ["total_amount"], {"company": 1, "language": "en"}]
    assert rows == [{"id": 3, "total_amount": Decimal("31.31")}]


def test_decimal_arguments_travel_in_tryton_encoding():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock)
        mock.post(URL, **result(None))
        client().write("product.template", [1], {"list_price": Decimal("12.90")})
        assert sent(mock.calls[2])["params"][1] == {"list_price": {"__class__": "Decimal", "decimal": "12.90"}}


def test_an_expired_session_is_renewed_once():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock, "old")
        mock.post(URL, status=401)
        logged_in(mock, "new")
        mock.post(URL, **result([1]))
        assert client().search("party.party", []) == [1]
        assert "Session " + base64.b64encode(b"admin:7:new").decode() == mock.calls[-1].request.headers["Authorization"]


def test_a_refused_login_is_fatal():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, status=401, body="Unauthorized")
        with pytest.raises(FatalError, match="HTTP 401"):
            client().search("party.party", [])


@pytest.mark.parametrize(("status", "headers", "retry_after"), [
    (429, {"Retry-After": "7"}, 7.0),
    (503, {"Retry-After": "30"}, 30.0),
    (500, {}, None),
    (423, {}, None),
], ids=["429", "503", "500", "423-locked"])
def test_retriable_statuses(status, headers, retry_after):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock)
        mock.post(URL, status=status, headers=headers, body="busy")
        with pytest.raises(RetriableError) as caught:
            client().search("party.party", [])
    assert caught.value.status == status and caught.value.retry_after == retry_after


@pytest.mark.parametrize(("answer", "error_class", "message"), [
    (["UserError", ["The sale has no lines.", "Add a line.", None]], FatalError,
     "UserError: The sale has no lines. - Add a line."),
    (["UserError", ["You are not allowed to read records of Party.", "", None]], FatalError,
     "UserError: You are not allowed to read records of Party."),
    (["UserWarning", ["sale_warn", "Quantity is large.", ""]], FatalError, "UserWarning: Quantity is large."),
    (["ConcurrencyException", "Records were modified in the meantime"], RetriableError,
     "ConcurrencyException: Records were modified in the meantime"),
    (["database is locked", "Traceback ..."], RetriableError, "ServerError: database is locked"),
    (["'due_date'", "Traceback ..."], FatalError, "ServerError: 'due_date'"),
], ids=["user-error", "access-error", "user-warning", "concurrency", "db-locked", "server-bug"])
def test_json_rpc_errors(answer, error_class, message):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock)
        mock.post(URL, **error(answer))
        with pytest.raises(error_class) as caught:
            client().model("sale.sale", "quote", [1], action="create_sale")
    assert type(caught.value) is error_class
    assert str(caught.value) == f"erp/create_sale: HTTP 200: {message}"


def test_network_failure_is_retriable_and_hides_the_password():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, body=requests.ConnectionError("refused"))
        with pytest.raises(RetriableError) as caught:
            client().search("party.party", [])
    assert "pw" not in str(caught.value)


def test_every_call_has_a_timeout(monkeypatch):
    seen = []
    original = requests.Session.post

    def spy(self, url, **kwargs):
        seen.append(kwargs.get("timeout"))
        return original(self, url, **kwargs)

    monkeypatch.setattr(requests.Session, "post", spy)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock)
        mock.post(URL, **result([]))
        client().search("party.party", [])
    assert seen == [(5.0, 9.0)] * 3


def test_a_non_json_rpc_answer_is_fatal():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock)
        mock.post(URL, body="<html>proxy</html>")
        with pytest.raises(FatalError, match="not JSON-RPC"):
            client().search("party.party", [])


def warning(name: str, message: str):
    return error(["UserWarning", [name, message, ""]])


def test_the_invoice_taxes_warning_is_confirmed_once_and_the_call_repeated():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock)
        mock.post(URL, **warning("abc123.invoice_taxes", 'The invoice "(1)" does not have the default taxes'))
        mock.post(URL, **result([5]))
        mock.post(URL, **result(None))
        assert client().model("account.invoice", "post", [1]) is None
        _login, _prefs, post, confirm, again = list(mock.calls)
    assert sent(confirm)["method"] == "model.res.user.warning.create"
    assert sent(confirm)["params"][0] == [{"user": 7, "name": "abc123.invoice_taxes", "always": False}]
    assert sent(again)["method"] == sent(post)["method"] == "model.account.invoice.post"


@pytest.mark.parametrize("answers", [
    [warning("x.invoice_date_future", "The invoice date is in the future")],
    [warning("a.invoice_taxes", "default taxes"), result([5]), warning("a.invoice_taxes", "default taxes")],
], ids=["other-warning-stays-fatal", "the-same-warning-twice"])
def test_other_warnings_and_a_repeated_one_are_fatal_with_tryton_message(answers):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        logged_in(mock)
        for answer in answers:
            mock.post(URL, **answer)
        with pytest.raises(FatalError, match="UserWarning: "):
            client().model("account.invoice", "post", [1])

"""Malformed admin requests: each answered with its exact 4xx and a reason, the store untouched."""

from __future__ import annotations

import pytest

from tests.web.conftest import AUTH, store_contents

BIG = str(2**63)
DEEP = b"[" * 1000 + b"]" * 1000
JSON = {"Content-Type": "application/json"}

CASES = [
    # ids in URLs: 1 .. 2^63-1, anything else is no such resource
    ("run id 2^63", "GET", f"/api/v1/runs/{BIG}", None, 404),
    ("run id 2^64", "GET", f"/api/v1/runs/{2**64}", None, 404),
    ("run id 20 digits", "GET", "/api/v1/runs/99999999999999999999", None, 404),
    ("run id 0", "GET", "/api/v1/runs/0", None, 404),
    ("run id negative", "GET", "/api/v1/runs/-1", None, 404),
    ("run id arabic-indic digit", "GET", "/api/v1/runs/%D9%A3", None, 404),
    ("run id unknown", "GET", "/api/v1/runs/2", None, 404),
    ("replay id 2^63", "POST", f"/api/v1/runs/{BIG}/replay", None, 404),
    ("replay id max unknown", "POST", f"/api/v1/runs/{2**63 - 1}/replay", None, 404),
    ("accept proposal 2^63", "POST", f"/api/v1/cash-application/proposals/{BIG}/accept", None, 404),
    ("reject proposal 2^63", "POST", f"/api/v1/cash-application/proposals/{BIG}/reject",
     b'{"reason": "no"}', 404),
    # query numbers
    ("before_id 2^63", "GET", f"/api/v1/runs?before_id={BIG}", None, 400),
    ("before_id 0", "GET", "/api/v1/runs?before_id=0", None, 400),
    ("before_id text", "GET", "/api/v1/runs?before_id=abc", None, 400),
    ("limit 0", "GET", "/api/v1/runs?limit=0", None, 400),
    ("limit negative", "GET", "/api/v1/runs?limit=-1", None, 400),
    ("limit above cap", "GET", "/api/v1/runs?limit=501", None, 400),
    ("limit exponent", "GET", "/api/v1/runs?limit=1e3", None, 400),
    ("limit unicode digits", "GET", "/api/v1/runs?limit=%D9%A3", None, 400),
    ("runs status unknown", "GET", "/api/v1/runs?status=bogus", None, 400),
    ("proposals limit text", "GET", "/api/v1/cash-application/proposals?limit=x", None, 400),
    ("exceptions limit 2^64", "GET", f"/api/v1/exceptions?limit={2**64}", None, 400),
    # report arguments
    ("currency lower case", "GET", "/api/v1/reports/aging?currency=xyz", None, 400),
    ("currency four letters", "GET", "/api/v1/reports/aging?currency=EURO", None, 400),
    ("currency digits", "GET", "/api/v1/reports/kpis?currency=123", None, 400),
    ("as_of year 1", "GET", "/api/v1/reports/dso?as_of=0001-01-01", None, 400),
    ("as_of year 9999 end", "GET", "/api/v1/reports/kpis?as_of=9999-12-31", None, 400),
    ("as_of no such day", "GET", "/api/v1/reports/aging?as_of=2024-02-30", None, 400),
    ("as_of invalid utf-8", "GET", "/api/v1/reports/aging?as_of=%FF%FE", None, 400),
    ("period_days 0", "GET", "/api/v1/reports/dso?period_days=0", None, 400),
    ("period_days 2^64", "GET", f"/api/v1/reports/dso?period_days={2**64}", None, 400),
    ("unknown report", "GET", "/api/v1/reports/nope", None, 404),
    # JSON bodies
    ("reject body array", "POST", "/api/v1/cash-application/proposals/1/reject", b"[1]", 400),
    ("reject body string", "POST", "/api/v1/cash-application/proposals/1/reject", b'"x"', 400),
    ("reject reason not text", "POST", "/api/v1/cash-application/proposals/1/reject", b'{"reason": [1]}', 400),
    ("apply body string", "POST", "/api/v1/cash-application/apply", b'"x"', 400),
    ("apply body null", "POST", "/api/v1/cash-application/apply", b"null", 400),
    ("apply body deep", "POST", "/api/v1/cash-application/apply", DEEP, 400),
    ("apply body not JSON", "POST", "/api/v1/cash-application/apply", b"{payment", 400),
    ("apply body invalid utf-8", "POST", "/api/v1/cash-application/apply", b'{"payment": "\xff"}', 400),
    ("apply payment not object", "POST", "/api/v1/cash-application/apply", b'{"payment": "x"}', 422),
    ("apply payment array", "POST", "/api/v1/cash-application/apply", b'{"payment": [1]}', 422),
    ("approve body array", "POST", "/api/v1/credit/SO-1/approve", b"[1]", 400),
    ("approve body number", "POST", "/api/v1/credit/SO-1/approve", b"12", 400),
    ("approve body deep object", "POST", "/api/v1/credit/SO-1/approve", b'{"a":' * 500 + b"1" + b"}" * 500, 400),
    ("reject credit no reason", "POST", "/api/v1/credit/SO-1/reject", b"{}", 400),
    ("approve unknown order", "POST", "/api/v1/credit/SO-1/approve", b'{"reason": "ok"}', 409),
    # the edge
    ("no static route", "GET", "/static/app.js", None, 404),
    ("wrong method", "DELETE", "/api/v1/runs/1", None, 405),
]


@pytest.mark.parametrize(("method", "url", "body", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_a_reason_and_nothing_stored(hub, client, method, url, body, status):
    before = store_contents(hub)
    answer = client.open(url, method=method, data=body, headers={**AUTH, **JSON})
    assert answer.status_code == status, answer.data
    error = answer.get_json()["error"]
    assert error and "\n" not in error
    assert store_contents(hub) == before


def test_without_the_token_nothing_is_read(client):
    answer = client.get("/api/v1/runs/1")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")

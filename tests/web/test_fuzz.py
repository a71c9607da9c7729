"""Seeded random requests against the webhook endpoint and the admin API: none answers 5xx."""

from __future__ import annotations

import random

import pytest

from tests.web.conftest import AUTH, signed

SEED, REQUESTS = 20261207, 500
IDS = ["0", "1", "2", "-1", str(2**63 - 1), str(2**63), str(2**64), "1e3", "01", "%FF", "x", "9" * 40, "\u0663"]
VALUES = IDS + ["", "EUR", "xyz", "2024-03-31", "0001-01-01", "9999-12-31", "2024-13-01", "all", "queued",
                "%00", "%FF%FE", "'; drop table runs; --", "\u00e9\u20ac", "NaN", "Infinity"]
ROUTES = [
    ("GET", "/api/v1/runs/{id}"), ("POST", "/api/v1/runs/{id}/replay"), ("GET", "/api/v1/runs"),
    ("GET", "/api/v1/recipes"), ("GET", "/api/v1/health"),
    ("GET", "/api/v1/cash-application/proposals"), ("POST", "/api/v1/cash-application/proposals/{id}/accept"),
    ("POST", "/api/v1/cash-application/proposals/{id}/reject"), ("POST", "/api/v1/cash-application/apply"),
    ("GET", "/api/v1/cash-application/report"), ("GET", "/api/v1/credit/held"), ("GET", "/api/v1/credit/{id}"),
    ("POST", "/api/v1/credit/{id}/approve"), ("POST", "/api/v1/credit/{id}/reject"), ("GET", "/api/v1/exceptions"),
    ("GET", "/api/v1/orders/{id}/360"), ("GET", "/api/v1/reports/aging"), ("GET", "/api/v1/reports/dso"),
    ("GET", "/api/v1/reports/kpis"), ("GET", "/api/v1/reports/balances"),
    ("POST", "/webhooks/shop"), ("POST", "/webhooks/shop/{id}"), ("POST", "/webhooks/{id}"),
]
PARAMS = ["limit", "before_id", "status", "recipe", "currency", "as_of", "period_days", "reconciliation", "offset"]


def scalar(rng: random.Random):
    return rng.choice([None, True, 0, -1, 2**63, 2**70, 1.5, "1e999999", "x", "", "\u0000", "EUR", "2024-01-01",
                       "-0.00", "1" * 30])


def document(rng: random.Random, depth: int):
    if depth <= 0 or rng.random() < 0.3:
        return scalar(rng)
    if rng.random() < 0.5:
        return [document(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    keys = ["reason", "by", "payment", "bank_transaction", "amount", "currency", "id", "customer", "x"]
    return {rng.choice(keys): document(rng, depth - 1) for _ in range(rng.randint(0, 4))}


def body(rng: random.Random) -> bytes:
    import json
    kind = rng.randrange(6)
    if kind == 0:
        return b""
    if kind == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
    if kind == 2:
        n = rng.choice([63, 64, 65, 200, 999, 1000, 3000])
        return b"[" * n + b"]" * n
    if kind == 3:
        n = rng.choice([64, 65, 900, 2000])
        return b'{"reason":' * n + b'"x"' + b"}" * n
    text = json.dumps(document(rng, rng.randint(1, 6)))
    return text.replace("1e999999", "1e999999", 1).encode() if kind == 4 else text.encode()


def request(rng: random.Random, number: int) -> tuple[str, str, bytes, dict[str, str]]:
    method, route = rng.choice(ROUTES)
    url = route.replace("{id}", rng.choice(IDS))
    query = "&".join(f"{rng.choice(PARAMS)}={rng.choice(VALUES)}" for _ in range(rng.randint(0, 3)))
    data = body(rng) if method == "POST" else b""
    headers = dict(AUTH) if rng.random() < 0.9 else {}
    if url.startswith("/webhooks/") and rng.random() < 0.7:
        headers.update(signed(data, f"fuzz-{number}"))
    elif rng.random() < 0.5:
        headers["Content-Type"] = "application/json"
    return method, f"{url}?{query}" if query else url, data, headers


@pytest.mark.parametrize("seed", [SEED, SEED + 1])
def test_no_request_answers_5xx(client, seed):
    rng = random.Random(seed)
    failures = []
    for number in range(REQUESTS // 2):
        method, url, data, headers = request(rng, number)
        answer = client.open(url, method=method, data=data, headers=headers)
        if answer.status_code >= 500:
            failures.append((answer.status_code, method, url, data[:80], answer.data[:200]))
    assert failures == []

"""Generated requests against the webhook endpoint and the admin API: none answers 5xx.

Hypothesis draws the method and route, path ids (huge, negative, non-ASCII, encoded), query
parameters, headers (with and without the token or a valid signature) and bodies (empty, binary,
deeply nested, JSON of every shape, huge numbers, escaped surrogates alone or in pairs).
``derandomize`` makes every run draw the same requests, so a failure in CI is a failure on any
machine; a found 5xx is shrunk to its smallest form before it is reported. The same bodies, signed
and executed by a worker, never leave a run unfinished.
"""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.hub import Hub
from hub.runs import queue
from hub.runs.executor import execute
from hub.store.platform import Run
from hub.web import create_app
from tests.web.conftest import AUTH, CONNECTIONS, signed

IDS = st.one_of(
    st.sampled_from(["0", "1", "-1", str(2**63 - 1), str(2**63), str(2**64), str(-(2**63) - 1)]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["01", "1e3", "%FF", "%00", "..", "%2e%2e", "\u0663", "9" * 40, "x", " 1"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), min_size=1, max_size=12),
)
VALUES = st.one_of(IDS, st.sampled_from(["", "EUR", "xyz", "JPY", "2024-03-31", "0001-01-01", "9999-12-31",
                                         "2024-13-01", "all", "queued", "dead", "NaN", "Infinity", "-0"]))
ROUTES = st.sampled_from([
    ("GET", "/api/v1/runs/{id}"), ("POST", "/api/v1/runs/{id}/replay"), ("GET", "/api/v1/runs"),
    ("GET", "/api/v1/recipes"), ("GET", "/api/v1/health"),
    ("GET", "/api/v1/cash-application/proposals"), ("GET", "/api/v1/cash-application/proposals/{id}"),
    ("POST", "/api/v1/cash-application/proposals/{id}/accept"), ("GET", "/api/v1/bank-lines"),
    ("POST", "/api/v1/cash-application/proposals/{id}/reject"), ("POST", "/api/v1/cash-application/apply"),
    ("GET", "/api/v1/cash-application/report"), ("GET", "/api/v1/credit/held"), ("GET", "/api/v1/credit/{id}"),
    ("POST", "/api/v1/credit/{id}/approve"), ("POST", "/api/v1/credit/{id}/reject"), ("GET", "/api/v1/exceptions"),
    ("GET", "/api/v1/orders/{id}/360"), ("GET", "/api/v1/reports/aging"), ("GET", "/api/v1/reports/dso"),
    ("GET", "/api/v1/reports/kpis"), ("GET", "/api/v1/reports/balances"), ("GET", "/healthz"),
    ("POST", "/webhooks/shop"), ("POST", "/webhooks/shop/{id}"), ("POST", "/webhooks/{id}"),
])
PARAMS = st.sampled_from(["limit", "before_id", "status", "recipe", "currency", "as_of", "period_days",
                          "reconciliation", "offset", "after_id", "state", "statement", "account"])
KEYS = st.sampled_from(["reason", "by", "payment", "bank_transaction", "amount", "currency", "id", "customer",
                        "invoices", "x", "candidate", "allocation", "invoice"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
                    st.sampled_from(["1e999999", "-0.00", "EUR", "2024-01-01", "\u0000", "1" * 30]))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(KEYS, inner, max_size=4)), max_leaves=12)

SURROGATE_ESCAPES = st.one_of(st.integers(min_value=0xD800, max_value=0xDFFF).map(lambda code: f"\\u{code:04x}"),
                              st.sampled_from(["\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\\\\ud800"]))


@st.composite
def surrogate_bodies(draw) -> bytes:
    """JSON escaping UTF-16 surrogates (D800-DFFF) alone or in pairs, in a value or a key."""
    text = "a" + "".join(draw(st.lists(SURROGATE_ESCAPES, min_size=1, max_size=3))) + "b"
    if draw(st.booleans()):
        return f'{{"{draw(KEYS)}": "{text}"}}'.encode()
    return f'[{{"{text}": {{"name": 1}}}}]'.encode()


@st.composite
def bodies(draw) -> bytes:
    kind = draw(st.sampled_from(["empty", "binary", "deep-list", "deep-object", "json", "huge-number",
                                 "surrogate"]))
    if kind == "empty":
        return b""
    if kind == "binary":
        return draw(st.binary(min_size=1, max_size=60))
    if kind == "deep-list":
        n = draw(st.sampled_from([63, 64, 65, 200, 999, 1000, 3000]))
        return b"[" * n + b"]" * n
    if kind == "deep-object":
        n = draw(st.sampled_from([64, 65, 900, 2000]))
        return b'{"reason":' * n + b'"x"' + b"}" * n
    if kind == "huge-number":
        return b'{"amount": 1e999999, "id": ' + str(draw(st.integers(min_value=2**63, max_value=2**90))).encode() + b"}"
    if kind == "surrogate":
        return draw(surrogate_bodies())
    return json.dumps(draw(DOCUMENTS)).encode()


@st.composite
def requests(draw) -> tuple[str, str, bytes, dict[str, str]]:
    method, route = draw(ROUTES)
    url = route.replace("{id}", draw(IDS).replace("/", "%2F"))
    pairs = draw(st.lists(st.tuples(PARAMS, VALUES), max_size=3))
    query = "&".join(f"{name}={value}" for name, value in pairs)
    data = draw(bodies()) if method == "POST" else b""
    headers = dict(AUTH) if draw(st.booleans()) or draw(st.booleans()) else {}
    if url.startswith("/webhooks/") and draw(st.booleans()):
        headers.update(signed(data, f"fuzz-{draw(st.integers(min_value=0, max_value=10**9))}"))
    elif draw(st.booleans()):
        headers["Content-Type"] = draw(st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1"]))
    return method, f"{url}?{query}" if query else url, data, headers


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(request=requests())
def test_no_request_answers_5xx(client, request):
    method, url, data, headers = request
    answer = client.open(url, method=method, data=data, headers=headers)
    assert answer.status_code < 500, (answer.status_code, method, url, data[:80], answer.data[:200])


RECORDING_RECIPE = """\
recipe: shop-copies
description: every order webhook, copied into the step records
trigger: {webhook: {connection: shop}}
steps:
  - id: copy
    map: {expr: "event", into: customer}
"""


@pytest.fixture(scope="module")
def recording_hub(tmp_path_factory):
    """A hub whose webhook recipe records the whole event in its step records."""
    root = tmp_path_factory.mktemp("fuzz-runs")
    (root / "recipes").mkdir()
    (root / "recipes" / "copies.yaml").write_text(RECORDING_RECIPE)
    config = {"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"], "connections": CONNECTIONS}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    hub = Hub.from_config(root / "config.yaml")
    hub.migrate()
    yield hub
    hub.close()


@pytest.fixture(scope="module")
def recording_client(recording_hub):
    return create_app(recording_hub).test_client()


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(body=bodies(), delivery=st.integers(min_value=0, max_value=10**9))
def test_no_signed_body_leaves_a_run_unfinished(recording_hub, recording_client, body, delivery):
    """Every run a signed webhook queues ends when a worker executes it (the fuzz above runs
    no worker): none stays ``queued`` or ``running``."""
    hub = recording_hub
    answer = recording_client.post("/webhooks/shop", data=body, headers=signed(body, f"finish-{delivery}"))
    assert answer.status_code in (200, 202), answer.data
    owner = queue.new_owner()
    while claimed := queue.claim(hub.sessions, owner, 50):
        for item in claimed:
            execute(hub, item)
    with hub.sessions() as session:
        left = session.query(Run.id, Run.status).filter(Run.status.in_(("queued", "running"))).all()
    assert left == [], (body[:80], left)

"""The OpenAPI document is true: the live app answers as it says, and it names every route.

Schemathesis reads ``GET /api/v1/openapi.json`` from the app itself and sends every operation
its documented examples, boundary cases (ids 0 and 2^63, limits one past their range, malformed
dates and currencies) and generated valid requests, with the admin token. Each answer must not
be a 5xx, must have a documented status and content type and match the documented JSON schema.
The seed is fixed and generation deterministic, so every run sends the same requests. Without
the token, every documented admin operation must answer 401.

Schemathesis' own pytest plugin does not run under pytest 9, so its engine (what its CLI runs)
is driven here and its failures reported.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from hub.store.upsert import upsert
from hub.web import create_app
from hub.web.openapi import document
from tests.web.conftest import AUTH, signed

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance")
CONFIG = {
    "seed": 20240331,
    "workers": 1,
    "headers": AUTH,
    "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
    "generation": {"mode": "all", "max-examples": 25, "deterministic": True, "database": "none"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
               "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
}


@pytest.fixture(scope="module")
def app(hub):
    """The app over the shared test hub, with a stored run 1 and an order numbered 1042."""
    app = create_app(hub)
    body = b'{"id": 820982911946154508}'
    answer = app.test_client().post("/webhooks/shop", data=body, headers=signed(body, "openapi-1"))
    assert answer.status_code in (200, 202)
    with hub.sessions.begin() as session:
        upsert(session, "sales_order", {"number": "1042", "currency": "EUR", "customer": {"email": "ap@acme.example"},
                                        "totals": {"total": "199.00"}}, ref=("shopify", "820982911946154508"))
    return app


def test_the_app_answers_as_documented(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=AUTH,
                                            config=SchemathesisConfig.from_dict(CONFIG))
    problems, scenarios = [], 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            problems.append(f"{getattr(event, 'label', '')}: {event.info.message}")
        elif isinstance(event, events.ScenarioFinished):
            scenarios += 1
            problems.extend(_failures(event))
    assert not problems, "\n".join(problems)
    assert scenarios >= len(document()["paths"])


def _failures(event: events.ScenarioFinished) -> list[str]:
    """One line per failed check: the operation, the check, the request, the answer."""
    if event.status not in (Status.FAILURE, Status.ERROR):
        return []
    found = []
    for case_id, checks in event.recorder.checks.items():
        case = event.recorder.cases[case_id].value
        interaction = event.recorder.interactions.get(case_id)
        answer = interaction.response if interaction else None
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                found.append(f"{event.recorder.label} {check.name}: {check.failure_info.failure.title} "
                             f"(path {case.path_parameters}, query {case.query}, body {str(case.body)[:200]} "
                             f"→ {answer.status_code if answer else '-'} "
                             f"{answer.content[:300] if answer and answer.content else b''!r})")
    return found


def test_every_route_is_documented_and_every_documented_route_exists(app):
    routes = {(method.lower(), _openapi_path(rule.rule)) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(("/api/v1/", "/webhooks/")) for method in rule.methods & {"GET", "POST", "PUT",
                                                                                               "PATCH", "DELETE"}}
    # the same endpoint, for senders that put the topic in the URL: described with /webhooks/{connection}
    routes.discard(("post", "/webhooks/{connection}/{subpath}"))
    documented = {(method, path) for path, item in document()["paths"].items() for method in item
                  if method in HTTP_METHODS}
    assert sorted(routes - documented) == [], "routes missing from hub/web/openapi.yaml"
    assert sorted(documented - routes) == [], "documented in hub/web/openapi.yaml but not served"


@pytest.mark.parametrize("method,path", sorted(
    (method, path) for path, item in document()["paths"].items() for method in item
    if method in HTTP_METHODS and path.startswith("/api/v1/")))
def test_every_admin_operation_refuses_a_request_without_the_token(app, method, path):
    url = path.replace("{name}", "aging").replace("{ref}", "1042").replace("{order}", "1042")
    answer = app.test_client().open(re.sub(r"{[a-z_]+_id}", "1", url), method=method.upper())
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.get_json() == {"error": "a valid 'Authorization: Bearer <admin token>' header is required"}


def test_the_document_is_served_as_shipped_and_only_with_the_token(app):
    client = app.test_client()
    answer = client.get("/api/v1/openapi.json", headers=AUTH)
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.get_json()["openapi"] == "3.1.0"
    assert answer.get_json() == document()
    assert client.get("/api/v1/openapi.json").status_code == 401


def _openapi_path(rule: str) -> str:
    """``/runs/<id:run_id>`` → ``/runs/{run_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)

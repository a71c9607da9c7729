"""What every answer carries: security headers, no cache on the API, Bearer on 401, a terse /healthz."""

from __future__ import annotations

import logging

import pytest

from hub.web import create_app
from tests.web.conftest import AUTH, TOKEN, signed

ANSWERS = [
    ("healthz", "GET", "/healthz", {}, 200),
    ("api runs", "GET", "/api/v1/runs", AUTH, 200),
    ("api 401", "GET", "/api/v1/runs", {}, 401),
    ("api 404", "GET", "/api/v1/runs/0", AUTH, 404),
    ("unknown path", "GET", "/nowhere", {}, 404),
    ("webhook 404", "POST", "/webhooks/nobody", {}, 404),
    ("webhook 401", "POST", "/webhooks/shop", {}, 401),
]


@pytest.mark.parametrize(("method", "url", "headers", "status"), [a[1:] for a in ANSWERS], ids=[a[0] for a in ANSWERS])
def test_security_headers_on_every_answer(client, method, url, headers, status):
    answer = client.open(url, method=method, headers=headers)
    assert answer.status_code == status
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert answer.mimetype == "application/json"
    assert (answer.headers.get("Cache-Control") == "no-store") == url.startswith("/api/")


def test_signed_webhook_answer_has_the_headers(client):
    answer = client.post("/webhooks/shop", data=b"{}", headers=signed(b"{}", "headers"))
    assert answer.status_code in (200, 202)
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_401_asks_for_a_bearer_token(client):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer \u00e9"}):
        answer = client.get("/api/v1/health", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="o2c-hub admin API"'


def test_healthz_says_only_up_and_the_counts_need_the_token(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    detail = client.get("/api/v1/health", headers=AUTH).get_json()
    assert detail["status"] == "ok" and detail["recipes"] == 1 and sum(detail["runs"].values()) >= 1


def test_no_static_route(hub):
    app = create_app(hub)
    assert app.static_folder is None
    assert not [rule for rule in app.url_map.iter_rules() if rule.endpoint == "static"]


def test_an_unexpected_error_is_a_logged_json_500_without_secrets(hub, caplog):
    app = create_app(hub)

    @app.get("/api/v1/explode")
    def explode():
        raise RuntimeError(f"could not use {TOKEN}")

    with caplog.at_level(logging.ERROR, logger="o2c_hub.web"):
        answer = app.test_client().get("/api/v1/explode", headers=AUTH)
    assert answer.status_code == 500
    assert answer.get_json() == {"error": "internal error: the hub could not answer this request"}
    assert answer.headers["Cache-Control"] == "no-store"
    assert "RuntimeError on GET /api/v1/explode" in caplog.text
    assert TOKEN not in caplog.text and TOKEN not in answer.get_data(as_text=True)


def test_an_unexpected_database_error_is_logged_by_name_never_with_its_sql_or_values(hub, caplog):
    """The statement and its parameters (a customer's e-mail) stay out of the log and the answer."""
    from sqlalchemy import text

    app = create_app(hub)
    email = "jane.doe" + "@example.com"  # built, so the traceback's source lines do not quote it

    @app.get("/api/v1/explode-db")
    def explode_db():
        with hub.sessions.begin() as session:
            session.execute(text("CREATE TABLE IF NOT EXISTS probe (email VARCHAR UNIQUE)"))
            session.execute(text("INSERT INTO probe (email) VALUES (:e)"), {"e": email})
        with hub.sessions.begin() as session:
            session.execute(text("INSERT INTO probe (email) VALUES (:e)"), {"e": email})
        return "unreachable"

    with caplog.at_level(logging.ERROR, logger="o2c_hub.web"):
        answer = app.test_client().get("/api/v1/explode-db", headers=AUTH)
    assert answer.status_code == 500
    assert "IntegrityError" in caplog.text and "probe.email" in caplog.text
    for leak in (email, "[SQL:", "[parameters:"):
        assert leak not in caplog.text and leak not in answer.get_data(as_text=True)

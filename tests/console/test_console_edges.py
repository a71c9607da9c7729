"""The console's edges: unknown pages, the icon, the login throttle's Retry-After, a shop's
"#1042", and the address on a pause."""

from __future__ import annotations

from sqlalchemy import select

from hub.store.platform import AuditEntry
from hub.store.upsert import upsert
from tests.console.conftest import csrf_of, login


def test_an_unknown_console_page_is_a_page_and_an_unknown_api_path_stays_json(app):
    client = app.test_client()
    assert login(client, "viewer").status_code == 302
    page = client.get("/console/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "There is no such console page" in page.text and 'href="/console/runs/"' in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code in (401, 404) and api.mimetype == "application/json"


def test_a_console_views_own_404_keeps_its_message(app):
    client = app.test_client()
    assert login(client, "viewer").status_code == 302
    answer = client.get("/console/runs/999999")
    assert answer.status_code == 404 and "There is no such console page" not in answer.text


def test_the_icon_is_served_by_the_hub(app):
    client = app.test_client()
    assert client.get("/favicon.ico").headers["Location"].endswith("/console/static/favicon.svg")
    icon = client.get("/console/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/console/login").text


def test_the_login_throttle_says_when_to_come_back(app):
    client = app.test_client()
    for _ in range(5):
        login(client, "admin", "wrong-password-123", remote="10.9.9.9")
    answer = login(client, "admin", "wrong-password-123", remote="10.9.9.9")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "900"


def test_an_order_found_as_the_shop_shows_its_number(app, hub):
    with hub.sessions.begin() as session:
        upsert(session, "sales_order", {"number": "1042", "currency": "EUR", "totals": {"total": "5.00"},
                                        "lines": [{"sku": "A", "quantity": "1"}]})
    client = app.test_client()
    assert login(client, "viewer").status_code == 302
    assert client.get("/console/orders/?ref=%231042").status_code == 200
    assert client.get("/console/orders/?ref=%23%231042").status_code == 404


def test_a_pause_from_the_console_keeps_the_address(app, hub):
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    token = csrf_of(client.get("/console/recipes/").text)
    answer = client.post("/console/recipes/orders/pause", data={"csrf_token": token, "reason": "ERP upgrade"},
                         environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert answer.status_code == 302
    client.post("/console/recipes/orders/resume", data={"csrf_token": token, "reason": "done"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    with hub.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.kind.in_(("recipe.pause", "recipe.resume")))).all()
    assert [(r.kind, r.remote_addr) for r in rows] == [("recipe.pause", "10.1.2.3"), ("recipe.resume", "10.1.2.3")]

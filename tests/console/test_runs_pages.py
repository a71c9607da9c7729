"""The console's runs pages through Flask's test client: login, list, detail, actions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hub.store.platform import AuditEntry, Run
from tests.console.conftest import csrf_of, execute_queued, login, run_now


@pytest.fixture(scope="module")
def dead_run(hub):
    return run_now(hub, b'{"name": "ACME", "email": 42, "order": "SO-7781"}')


def test_root_and_console_send_an_anonymous_visitor_to_the_login_page(app):
    client = app.test_client()
    assert client.get("/").headers["Location"] == "/console/"
    answer = client.get("/console/runs/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/console/login?next=")


def test_a_login_opens_the_runs_list_with_a_strict_csp(app, dead_run):
    client = app.test_client()
    answer = login(client, "viewer")
    assert answer.status_code == 302
    page = client.get("/console/runs/")
    assert page.status_code == 200
    assert f"#{dead_run}" in page.text and "dead" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert page.headers["Cache-Control"] == "no-store"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here


def test_the_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    page = client.get("/console/login", base_url="https://hub.example")
    answer = client.post("/console/login", base_url="https://hub.example",
                         headers={"Referer": "https://hub.example/console/login"}, data={
        "name": "viewer", "password": "correct horse battery", "csrf_token": csrf_of(page.text)})
    assert "Secure" in answer.headers["Set-Cookie"]


def test_wrong_password_is_refused_and_audited(app, hub):
    client = app.test_client()
    answer = login(client, "ar", "not the password", remote="10.9.9.9")
    assert answer.status_code == 401 and "Wrong user name or password" in answer.text
    with hub.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "console.login_failed")
                                .order_by(AuditEntry.id.desc())).first()
    assert entry.detail == "failed login as ar" and entry.remote_addr == "10.9.9.9"


def test_five_failures_for_one_user_and_address_throttle_the_sixth_login(app):
    client = app.test_client()
    for _ in range(5):
        assert login(client, "viewer", "wrong password!", remote="10.7.7.7").status_code == 401
    answer = login(client, "viewer", remote="10.7.7.7")  # even the right password waits
    assert answer.status_code == 429 and "too many failed logins" in answer.text
    assert login(app.test_client(), "viewer", remote="10.7.7.8").status_code == 302  # another address


def test_a_post_without_its_csrf_token_is_refused(app, dead_run):
    client = app.test_client()
    login(client, "admin")
    answer = client.post(f"/console/runs/{dead_run}/replay", data={"reason": "retry"})
    assert answer.status_code == 400 and "security token" in answer.text


def test_the_webhook_and_bearer_api_need_no_csrf_token(app):
    answer = app.test_client().post("/api/v1/runs/1/replay")
    assert answer.status_code in (401, 503)  # the token check answers, not CSRF


def test_a_viewer_sees_no_replay_button_and_a_forged_post_is_forbidden(app, dead_run):
    client = app.test_client()
    login(client, "viewer")
    page = client.get(f"/console/runs/{dead_run}")
    assert page.status_code == 200 and 'id="replay"' not in page.text
    answer = client.post(f"/console/runs/{dead_run}/replay",
                         data={"reason": "x", "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 403


def test_the_run_page_shows_steps_error_and_recipe_version(app, hub, dead_run):
    client = app.test_client()
    login(client, "admin")
    page = client.get(f"/console/runs/{dead_run}")
    assert hub.recipes["orders"].recipe.hash[:12] in page.text and "(the version loaded now)" in page.text
    assert 'id="error-class"' in page.text and "Attempt 1" in page.text and "customer" in page.text
    assert 'id="replay"' in page.text and 'id="edit"' in page.text


@pytest.mark.parametrize("query, found", [
    ("SO-7781", True), ("SO-0000", False), ("manual:orders", True), ("100%_", False),
], ids=["order-number", "no-match", "delivery-id", "like-wildcards"])
def test_search_finds_runs_by_business_text(app, dead_run, query, found):
    client = app.test_client()
    login(client, "viewer")
    page = client.get("/console/runs/", query_string={"q": query})
    assert (f'href="/console/runs/{dead_run}"' in page.text) is found


@pytest.mark.parametrize("args, message", [
    ({"status": "lost"}, "status must be one of"),
    ({"since": "yesterday"}, "since must be a date"),
    ({"before_id": "-1"}, "before_id must be a whole number"),
], ids=["status", "date", "before-id"])
def test_bad_filters_are_a_400_page(app, args, message):
    client = app.test_client()
    login(client, "viewer")
    page = client.get("/console/runs/", query_string=args)
    assert page.status_code == 400 and message in page.text and page.mimetype == "text/html"


def test_the_list_pages_by_id(app, hub, dead_run):
    for _ in range(51):
        run_now(hub, b'{"name": "B", "email": "b@example.org"}')
    client = app.test_client()
    login(client, "viewer")
    first = client.get("/console/runs/")
    assert len(re.findall(r'href="/console/runs/\d+"', first.text)) == 50
    assert "Older runs" in first.text
    older = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older)
    assert f'href="/console/runs/{dead_run}"' in second.text


def test_edit_and_resubmit_makes_a_new_event_and_keeps_the_original(app, hub, dead_run):
    client = app.test_client()
    login(client, "admin")
    form = client.get(f"/console/runs/{dead_run}/edit")
    assert "SO-7781" in form.text
    answer = client.post(f"/console/runs/{dead_run}/resubmit", data={
        "payload": '{"name": "ACME", "email": "ap@acme.example", "order": "SO-7781"}',
        "reason": "the e-mail was a number", "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 302
    new_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    execute_queued(hub, new_id)
    with hub.sessions() as session:
        new, old = session.get(Run, new_id), session.get(Run, dead_run)
        assert (new.status, new.replay_of, old.status) == ("succeeded", dead_run, "dead")
        assert new.event_id != old.event_id and b"42" in old.event.body
        audit = session.scalars(select(AuditEntry).where(AuditEntry.kind == "resubmit")).one()
    assert "by admin (admin) in the console; reason: the e-mail was a number" in audit.detail


@pytest.mark.parametrize("payload, reason, message", [
    ("{not json", "fix", "not valid JSON"),
    ('{"a": 1}', "  ", "say why"),
    ("[" * 70 + "]" * 70, "fix", "nests deeper than 64"),
], ids=["not-json", "no-reason", "too-deep"])
def test_a_bad_resubmission_is_a_clear_400(app, hub, dead_run, payload, reason, message):
    client = app.test_client()
    login(client, "admin")
    form = client.get(f"/console/runs/{dead_run}/edit")
    answer = client.post(f"/console/runs/{dead_run}/resubmit", data={
        "payload": payload, "reason": reason, "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 400 and message in answer.text


def test_replay_by_an_admin_is_audited_with_the_reason(app, hub, dead_run):
    client = app.test_client()
    login(client, "admin")
    page = client.get(f"/console/runs/{dead_run}")
    answer = client.post(f"/console/runs/{dead_run}/replay", environ_base={"REMOTE_ADDR": "10.3.4.5"},
                         data={"reason": "ERP back up", "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 302
    with hub.sessions() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.kind == "replay")
                                .order_by(AuditEntry.id.desc())).first()
    assert audit.detail == f"run {dead_run} replayed by admin (admin) in the console; reason: ERP back up"
    assert audit.remote_addr == "10.3.4.5"


def test_logout_ends_the_session(app):
    client = app.test_client()
    login(client, "ar")
    page = client.get("/console/runs/")
    client.post("/console/logout", data={"csrf_token": csrf_of(page.text)})
    assert client.get("/console/runs/").status_code == 302

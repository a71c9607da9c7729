"""The console's Connections page through Flask's test client: each connection's last success
and last error, the poll cursors and their reset."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from hub.connector import Connector, Cursor, PolledRecord
from hub.errors import FatalError
from hub.registry import ConnectorRegistry
from hub.runs.inbox import NewEvent, accept
from hub.runs.poller import poll_once
from hub.store.platform import AuditEntry, PollCursor
from hub.users import add_user
from hub.web import create_app
from tests.console.conftest import PASSWORD, csrf_of, execute_queued, login

POLLING = """\
recipe: invoices-in
trigger: {poll: {connection: ledger, resource: invoices, every: 1m}}
steps:
  - id: seen
    filter: event.id
"""
POSTING = """\
recipe: post-invoice
trigger: {manual: {}}
steps:
  - id: post
    call: {connection: ledger, action: post_invoice, with: event, key: event.number}
"""
DAY = datetime(2026, 12, 1, tzinfo=timezone.utc)


class FakeLedger(Connector):
    """Invoices to poll, and an action that refuses an invoice without an amount."""

    kind = "fake_ledger"

    def resources(self) -> frozenset[str]:
        return frozenset({"invoices"})

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        yield PolledRecord(id="INV-1", updated_at=DAY, data={"id": "INV-1"})

    def actions(self):
        return {"post_invoice": self.post_invoice}

    def post_invoice(self, payload, context):
        if "amount" not in payload:
            raise FatalError("the ledger refused the invoice: amount is missing", connection=self.name)
        return {"posted": payload["number"]}


@pytest.fixture
def hub(make_hub):
    registry = ConnectorRegistry()
    registry.register(FakeLedger)
    hub = make_hub({"ledger": {"connector": "fake_ledger"}},
                   {"in.yaml": POLLING, "post.yaml": POSTING}, registry=registry)
    for name in ("admin", "ar", "viewer"):
        add_user(hub.sessions, name, name, PASSWORD, who="the tests", reason="a test user")
    return hub


@pytest.fixture
def app(hub):
    return create_app(hub)


def client_of(app, name: str):
    client = app.test_client()
    login(client, name)
    return client


def post_invoice(hub, body: bytes) -> int:
    built = hub.recipes["post-invoice"]
    run_id = accept(hub.sessions, NewEvent(source="manual", topic="manual", body=body,
                                           dedupe_key=f"manual:{uuid.uuid4().hex}"),
                    [(built.slug, built.recipe.hash)]).run_ids[0]
    execute_queued(hub, run_id)
    return run_id


def ledger_row(page: str) -> str:
    return page.split('id="connection-ledger"')[1].split("</tr>")[0]


def test_an_unused_connection_says_nothing_happened(app):
    row = ledger_row(client_of(app, "viewer").get("/console/connections/").text)
    assert "fake_ledger" in row and "invoices-in" in row and "post-invoice" in row
    assert "nothing recent" in row and "none recent" in row
    cursors = client_of(app, "viewer").get("/console/connections/").text.split('id="cursors"')[1]
    assert "not polled yet" in cursors


def test_last_success_and_last_error_of_calls_and_polls(app, hub):
    ok = post_invoice(hub, b'{"number": "INV-7", "amount": "12.50"}')
    bad = post_invoice(hub, b'{"number": "INV-8"}')
    poll_once(hub, hub.recipes["invoices-in"])
    row = ledger_row(client_of(app, "viewer").get("/console/connections/").text)
    success, error = row.split('class="last-success"')[1].split('class="last-error"')
    assert f"run #{ok}" in success and "poll " in success
    assert f"run #{bad}" in error and "FatalError" in error and "amount is missing" in error
    assert f"run #{bad}" not in success


def test_an_admin_resets_a_cursor_audited_with_the_reason(app, hub):
    poll_once(hub, hub.recipes["invoices-in"])
    client = client_of(app, "admin")
    page = client.get("/console/connections/")
    assert "2026-12-01T00:00:00" in page.text.split('id="cursor-invoices-in"')[1]
    answer = client.post("/console/connections/cursors/invoices-in/reset",
                         data={"csrf_token": csrf_of(page.text), "to": "2026-11-01", "reason": "missed invoices"})
    assert answer.status_code == 302
    with hub.sessions() as session:
        cursor = session.scalars(select(PollCursor)).one()
        entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "cursor.reset")).one()
    assert cursor.start_at == datetime(2026, 11, 1, tzinfo=timezone.utc) and cursor.last_seen_at is None
    assert entry.detail == ("poll cursor(s) of invoices-in reset to 2026-11-01 by admin (admin) in the console; "
                            "reason: missed invoices")
    assert entry.connection == "ledger"
    assert "next poll reads from 2026-11-01" in client.get(answer.headers["Location"]).text


@pytest.mark.parametrize(("form", "status", "message"), [
    ({"to": "yesterday", "reason": "x"}, 400, "&#39;yesterday&#39; is not an ISO 8601 date-time"),
    ({"to": "2026-12-01T08:00:00", "reason": "x"}, 400, "needs a time zone"),
    ({"to": "", "reason": " "}, 400, "say why"),
], ids=["not-a-date", "no-time-zone", "no-reason"])
def test_a_bad_reset_is_refused_with_the_reason(app, hub, form, status, message):
    client = client_of(app, "admin")
    token = csrf_of(client.get("/console/connections/").text)
    answer = client.post("/console/connections/cursors/invoices-in/reset", data={"csrf_token": token, **form})
    assert answer.status_code == status and message in answer.text
    with hub.sessions() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.kind == "cursor.reset")).first() is None


def test_resetting_a_recipe_that_does_not_poll_is_404(app):
    client = client_of(app, "admin")
    token = csrf_of(client.get("/console/connections/").text)
    answer = client.post("/console/connections/cursors/post-invoice/reset", data={"csrf_token": token, "reason": "x"})
    assert answer.status_code == 404 and "not a polling recipe" in answer.text


@pytest.mark.parametrize("name", ["viewer", "ar"])
def test_only_an_admin_sees_and_may_use_reset(app, hub, name):
    client = client_of(app, name)
    page = client.get("/console/connections/")
    assert page.status_code == 200 and "/reset" not in page.text
    answer = client.post("/console/connections/cursors/invoices-in/reset",
                         data={"csrf_token": csrf_of(page.text), "reason": "not mine"})
    assert answer.status_code == 403


def test_reset_without_its_csrf_token_is_refused(app):
    client = client_of(app, "admin")
    answer = client.post("/console/connections/cursors/invoices-in/reset", data={"reason": "x"})
    assert answer.status_code == 400 and "security token" in answer.text

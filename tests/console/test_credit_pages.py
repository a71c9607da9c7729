"""The console's Credit holds and Exceptions pages through Flask's test client: the worklist with
the rules that fired, approve and reject (roles, CSRF, reason, audit, the run queued again),
and reconciliation exceptions with their filters and both systems' figures."""

from __future__ import annotations

import re
import uuid

import pytest
import yaml
from sqlalchemy import select

from hub import STARTER, jsonutil
from hub.hub import Hub
from hub.o2c.reconcile import compare_lists, record_exceptions
from hub.store.o2c_credit import CreditCheck
from hub.store.platform import AuditEntry, Run
from hub.store.upsert import upsert
from hub.users import add_user
from tests.console.conftest import PASSWORD, csrf_of, execute_queued, login

ORDER = {**jsonutil.loads((STARTER / "samples" / "order-created.json").read_bytes()), "financial_status": "pending"}
CONNECTIONS = {
    "shop": {"connector": "http", "base_url": "http://127.0.0.1:9"},
    "erp": {"connector": "http", "base_url": "http://127.0.0.1:9", "timeout": 2,
            "actions": {"create_order": {"method": "POST", "path": "/erp/orders"}}},
    "slack": {"connector": "slack", "token": "xoxb-not-used", "channel": "#ar", "timeout": 2,
              "base_url": "http://127.0.0.1:9/api/"},
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A hub with the bundled credit-checked order import and a customer whose limit is 100 EUR."""
    root = tmp_path_factory.mktemp("credit-console")
    (root / "recipes").mkdir()
    (root / "recipes" / "order.yaml").write_text((STARTER / "recipes" / "order-with-credit-check.yaml").read_text())
    config = {"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"], "connections": CONNECTIONS}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    hub = Hub.from_config(root / "config.yaml")
    hub.migrate()
    for name in ("admin", "ar", "viewer"):
        add_user(hub.sessions, name, name, PASSWORD, who="the tests", reason="a test user")
    with hub.sessions.begin() as session:
        upsert(session, "customer", {"email": "maria.lopez@example.org", "currency": "EUR",
                                     "credit_limit": "100.00"}, ref=("erp", "C-7"))
    yield hub
    hub.close()


def held_order(hub, number: str) -> int:
    """Run the credit-checked import on order ``number`` (141.37 EUR, over the limit): its held run."""
    from hub.runs.inbox import NewEvent, accept

    body = jsonutil.dumps({**ORDER, "name": f"#{number}", "id": int(number) * 1000}).encode()
    built = hub.recipes["order-with-credit-check"]
    accepted = accept(hub.sessions, NewEvent(source="manual", topic="manual", body=body,
                                             dedupe_key=f"manual:credit:{uuid.uuid4().hex}"),
                      [(built.slug, built.recipe.hash)])
    (run_id,) = accepted.run_ids
    execute_queued(hub, run_id)
    assert run_status(hub, run_id) == "held"
    return run_id


def run_status(hub, run_id: int) -> str:
    with hub.sessions() as session:
        return session.get(Run, run_id).status


def client_of(app, name: str):
    client = app.test_client()
    login(client, name)
    return client


def decide(client, number: str, action: str, reason: str | None = "long-standing customer", *, token=True):
    page = client.get("/console/credit/")
    data = {"reason": reason} if reason is not None else {}
    if token:
        data["csrf_token"] = csrf_of(page.text)
    return client.post(f"/console/credit/{number}/{action}", data=data)


def test_the_worklist_shows_each_held_order_with_the_rules_that_fired_and_their_values(app, hub):
    held_order(hub, "5101")
    page = client_of(app, "ar").get("/console/credit/")
    assert page.status_code == 200
    row = page.text.split('id="held-5101"', 1)[1].split("</tr>", 1)[0]
    assert "maria.lopez@example.org" in row and "141.37 EUR" in row and "141.37 / 100.00 EUR" in row
    assert "<strong>Credit Limit</strong>: exposure 141.37 EUR exceeds the limit 100.00 + 5% tolerance (105.00)" in row
    assert "value 141.37, threshold 105.00" in row
    assert 'class="approve"' in row and 'class="reject"' in row


def test_a_viewer_sees_the_worklist_without_buttons_and_cannot_decide(app, hub):
    run_id = held_order(hub, "5102")
    viewer = client_of(app, "viewer")
    page = viewer.get("/console/credit/")
    assert 'id="held-5102"' in page.text and 'class="approve"' not in page.text
    answer = decide(viewer, "5102", "approve")
    assert answer.status_code == 403 and "may not do this" in answer.text
    assert run_status(hub, run_id) == "held"


@pytest.mark.parametrize(("number", "reason", "token", "status", "text"), [
    ("5201", "fine", False, 400, "security token"),
    ("5202", None, True, 400, "say why"),
    ("5203", "   ", True, 400, "say why"),
    ("5204", "x" * 501, True, 400, "longer than 500 characters"),
], ids=["no-csrf", "no-reason", "blank-reason", "long-reason"])
def test_a_decision_needs_its_csrf_token_and_a_reason(app, hub, number, reason, token, status, text):
    run_id = held_order(hub, number)
    answer = decide(client_of(app, "ar"), number, "approve", reason, token=token)
    assert answer.status_code == status and text in answer.text
    assert run_status(hub, run_id) == "held"


def test_ar_approves_a_held_order_its_run_is_queued_again_and_the_decision_is_audited(app, hub):
    run_id = held_order(hub, "5103")
    ar = client_of(app, "ar")
    answer = decide(ar, "5103", "approve", "  paid by bank transfer \n yesterday ")
    assert answer.status_code == 302
    page = ar.get("/console/credit/")
    assert f"Order 5103 approved: its run #{run_id} is queued again" in page.text
    assert 'id="held-5103"' not in page.text
    assert run_status(hub, run_id) == "queued"
    with hub.sessions() as session:
        check = session.scalars(select(CreditCheck).where(CreditCheck.order_number == "5103")).one()
        audit = session.scalars(select(AuditEntry).where(AuditEntry.kind == "credit.approve")
                                .order_by(AuditEntry.id.desc())).first()
    assert (check.decision, check.decided_by, check.reason) == ("approved", "ar", "paid by bank transfer yesterday")
    assert audit.detail == "order 5103 approved by ar (ar) in the console; reason: paid by bank transfer yesterday"
    again = decide(ar, "5103", "approve")
    assert again.status_code == 409 and "no credit check waiting for a decision" in again.text


def test_an_admin_rejects_a_held_order_and_its_run_ends_rejected(app, hub):
    run_id = held_order(hub, "5104")
    answer = decide(client_of(app, "admin"), "5104", "reject", "customer in liquidation")
    assert answer.status_code == 302
    assert run_status(hub, run_id) == "rejected"
    with hub.sessions() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.kind == "credit.reject")).one()
    assert audit.detail == "order 5104 rejected by admin (admin) in the console; reason: customer in liquidation"


def test_the_worklist_pages_by_check_id(app, hub, monkeypatch):
    from hub.web.console import credit

    held_order(hub, "5105")
    monkeypatch.setattr(credit, "PAGE", 1)
    ar = client_of(app, "ar")
    first = ar.get("/console/credit/")
    after = re.search(r'href="/console/credit/\?after_id=(\d+)"', first.text).group(1)
    second = ar.get(f"/console/credit/?after_id={after}")
    shown = [re.findall(r'id="held-(\d+)"', p.text) for p in (first, second)]
    assert len(shown[0]) == len(shown[1]) == 1 and shown[0] != shown[1]
    assert ar.get("/console/credit/?after_id=abc").status_code == 400


# --- exceptions ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exceptions(hub):
    """storefront-vs-erp: 1042 differs in total, 1043 only in the storefront; then a run where
    1043 reached the ERP (resolved); stripe-vs-erp: pi_9 missing in Stripe."""
    shop = [{"number": "1042", "total": "141.37"}, {"number": "1043", "total": "20.00"}]
    erp = [{"number": "1042", "total": "140.37"}]
    by_number = {"key": lambda r: r["number"], "fields": {"total": lambda r: r["total"]}}
    with hub.sessions.begin() as session:
        record_exceptions(session, "storefront-vs-erp", compare_lists(shop, erp, **by_number), run_id=None)
        record_exceptions(session, "storefront-vs-erp", compare_lists(shop, [*erp, shop[1]], **by_number), run_id=None)
        record_exceptions(session, "stripe-vs-erp", compare_lists(
            [], [{"reference": "pi_9", "amount": "5.00"}], key=lambda r: r["reference"],
            fields={"amount": lambda r: r["amount"]}), run_id=None)


def exception_rows(html: str) -> list[str]:
    if 'id="exceptions"' not in html:
        return []
    body = html.split('id="exceptions"', 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[2:]]


def test_open_exceptions_are_listed_with_both_figures(app, exceptions):
    rows = exception_rows(client_of(app, "viewer").get("/console/exceptions/").text)
    assert len(rows) == 2
    assert "stripe-vs-erp missing in stripe pi_9 amount stripe: missing erp: 5.00 open" in rows[0]
    assert "storefront-vs-erp values differ 1042 total storefront: 141.37 erp: 140.37 open" in rows[1]


@pytest.mark.parametrize(("query", "keys"), [
    ("?status=resolved", ["1043"]),
    ("?status=all&reconciliation=storefront-vs-erp", ["1043", "1042"]),
    ("?status=all&reconciliation=nothing-like-it", []),
], ids=["resolved", "all-of-one", "unknown-name"])
def test_exceptions_filter_by_status_and_reconciliation(app, exceptions, query, keys):
    page = client_of(app, "viewer").get("/console/exceptions/" + query)
    assert page.status_code == 200
    assert re.findall(r'<td class="key"><code>([^<]*)</code>', page.text) == keys
    if not keys:
        assert "No exception matches these filters" in page.text


@pytest.mark.parametrize(("query", "text"), [
    ("?status=closed", "status must be one of open, resolved, all"),
    ("?reconciliation=" + "x" * 121, "at most 120 characters"),
    ("?before_id=-1", "before_id"),
], ids=["status", "name", "before-id"])
def test_exception_filters_refuse_what_they_cannot_use(app, query, text):
    page = client_of(app, "viewer").get("/console/exceptions/" + query)
    assert page.status_code == 400 and text in page.text

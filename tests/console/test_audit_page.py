"""The console's audit log page through Flask's test client: actions taken in the console appear
with who, what and why; paging; the filters; who may read it; escaping."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from hub import STARTER
from hub.hub import Hub
from hub.runs.rejections import KIND as WEBHOOK_REJECTED
from hub.store.platform import AuditEntry
from hub.store.upsert import upsert
from hub.users import add_user
from hub.web import create_app
from tests.console.conftest import PASSWORD, RECIPE, csrf_of, login, run_now
from tests.console.test_credit_pages import CONNECTIONS, decide, held_order

AUDIT = "/console/audit/"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A hub with the credit-checked order import (to approve a held order) and a recipe that
    dead-letters an order without an e-mail (to replay a run)."""
    root = tmp_path_factory.mktemp("audit-console")
    (root / "recipes").mkdir()
    (root / "recipes" / "order.yaml").write_text((STARTER / "recipes" / "order-with-credit-check.yaml").read_text())
    (root / "recipes" / "orders.yaml").write_text(RECIPE)
    config = {"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"], "connections": CONNECTIONS}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    hub = Hub.from_config(root / "config.yaml")
    hub.migrate()
    for name in ("admin", "ar", "viewer"):
        add_user(hub.sessions, name, name, PASSWORD, who="the tests", reason="a test user")
    with hub.sessions.begin() as session:  # a 100 EUR limit: the sample order is held
        upsert(session, "customer", {"email": "maria.lopez@example.org", "currency": "EUR",
                                     "credit_limit": "100.00"}, ref=("erp", "C-7"))
    yield hub
    hub.close()


@pytest.fixture
def app(hub):
    return create_app(hub)


def client_of(app, name: str, remote: str = "10.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = remote
    login(client, name, remote=remote)
    return client


def replay_in_console(client, run_id: int, reason: str):
    page = client.get(f"/console/runs/{run_id}")
    return client.post(f"/console/runs/{run_id}/replay", data={"reason": reason, "csrf_token": csrf_of(page.text)})


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="audit-\d+">(.*?)</tr>', html, re.DOTALL)


def cells(row: str) -> list[str]:
    return [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def add_lines(hub, *entries: AuditEntry) -> None:
    with hub.sessions.begin() as session:
        session.add_all(entries)


def test_an_approve_and_a_replay_appear_with_who_what_why_and_links(app, hub):
    held_order(hub, "7701")
    dead = run_now(hub, b'{"name": "ACME", "email": 42, "order": "SO-1"}')
    admin = client_of(app, "admin", remote="10.1.2.3")
    assert decide(admin, "7701", "approve", "paid in advance by wire").status_code == 302
    answer = replay_in_console(admin, dead, "the ERP is back up")
    assert answer.status_code == 302
    new_run = int(answer.headers["Location"].rsplit("/", 1)[1])
    page = admin.get(AUDIT)
    assert page.status_code == 200
    replayed, approved = (cells(r) for r in rows(page.text)[:2])
    assert replayed[1:] == ["admin (admin) in the console", "Replay",
                            f'<a href="/console/runs/{dead}">run {dead}</a> replayed', "the ERP is back up",
                            "10.1.2.3"]
    assert approved[1:] == ["admin (admin) in the console", "Credit hold approved",
                            'order <a href="/console/orders/?ref=7701">7701</a> approved', "paid in advance by wire",
                            "10.1.2.3"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", approved[0])
    assert new_run != dead


def test_lines_are_paged_fifty_at_a_time_newest_first(app, hub):
    add_lines(hub, *(AuditEntry(kind="recipe.pause", detail=f"recipe orders paused by the command line "
                                f"(system user ops); reason: pagetest {i:03}") for i in range(120)))
    client = client_of(app, "admin")
    seen, url = [], f"{AUDIT}?q=pagetest"
    for expected in (50, 50, 20):
        page = client.get(url)
        found = [cells(r)[4] for r in rows(page.text)]
        assert len(found) == expected
        seen += found
        older = re.search(r'<a rel="next" href="([^"]+)"', page.text)
        url = older.group(1).replace("&amp;", "&") if older else None
    assert url is None
    assert seen == [f"pagetest {i:03}" for i in reversed(range(120))]
    assert cells(rows(page.text)[0])[1] == "the command line (system user ops)"
    assert '<a href="/console/recipes/orders">orders</a>' in rows(page.text)[0]


def test_kind_who_day_and_text_filters(app, hub):
    long_ago = datetime(2020, 1, 2, 12, 0, tzinfo=timezone.utc)
    add_lines(hub,
              AuditEntry(kind="credit.reject", at=long_ago, detail="order 9 rejected by ar (ar) in the console; "
                                                                  "reason: filtertest 100% over the limit"),
              AuditEntry(kind="credit.approve", at=long_ago, detail="order 10 approved by admin (admin) in the "
                                                                   "console; reason: filtertest known customer"),
              AuditEntry(kind="replay", at=long_ago, detail="run 3 replayed by admin API"))
    client = client_of(app, "admin")

    def whys(query: str) -> list[str]:
        page = client.get(f"{AUDIT}?{query}")
        assert page.status_code == 200, page.text
        return [cells(r)[4] for r in rows(page.text)]

    assert whys("kind=credit.&q=filtertest") == ["filtertest known customer", "filtertest 100% over the limit"]
    assert whys("kind=credit.reject&q=filtertest") == ["filtertest 100% over the limit"]
    assert whys("who=ar&q=filtertest") == ["filtertest 100% over the limit"]
    assert whys("who=admin&since=2020-01-02&until=2020-01-02&kind=credit.") == ["filtertest known customer"]
    assert whys("who=admin%20API&until=2020-01-02") == [""]
    assert whys("q=filtertest&since=2020-01-03&until=2020-01-03") == []
    assert whys("q=100%25") == ["filtertest 100% over the limit"]  # % is a character, not a wildcard
    assert whys("q=filtertest&kind=credit") == []  # a kind without its dot is one kind, not a prefix
    assert "No audit line matches these filters" in client.get(f"{AUDIT}?kind=nothing.").text


@pytest.mark.parametrize(("query", "message"), [
    ("kind=%3Cb%3E", "kind must be a kind such as credit.approve"),
    ("since=yesterday", "since must be a date such as 2024-03-31"),
    ("since=2024-02-02&until=2024-02-01", "the day range ends (2024-02-01) before it starts (2024-02-02)"),
    ("q=" + "x" * 201, "the search text is longer than 200 characters"),
    ("before_id=abc", "before_id"),
], ids=["kind", "since", "range", "long-search", "before-id"])
def test_bad_filters_answer_400_with_a_clear_line(app, query, message):
    answer = client_of(app, "admin").get(f"{AUDIT}?{query}")
    assert answer.status_code == 400 and message in answer.text


def test_admin_and_ar_read_the_log_a_viewer_may_not(app):
    for name in ("admin", "ar"):
        client = client_of(app, name)
        assert client.get(AUDIT).status_code == 200
        assert f'href="{AUDIT}"' in client.get("/console/runs/").text
    viewer = client_of(app, "viewer")
    answer = viewer.get(AUDIT)
    assert answer.status_code == 403 and "your role (viewer) may not do this" in answer.text
    assert f'href="{AUDIT}"' not in viewer.get("/console/runs/").text


def test_a_hostile_reason_is_shown_as_text(app, hub):
    dead = run_now(hub, b'{"name": "ACME", "email": 42}')
    admin = client_of(app, "admin")
    assert replay_in_console(admin, dead, "<script>alert('x')</script>").status_code == 302
    page = admin.get(f"{AUDIT}?kind=replay")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text


def test_rejected_webhooks_and_lines_of_other_shapes_read_plainly(app, hub):
    first = datetime(2021, 3, 4, 10, 0, tzinfo=timezone.utc)
    add_lines(hub, AuditEntry(kind=WEBHOOK_REJECTED, connection="shop", detail="the signature does not match",
                              remote_addr="203.0.113.9", count=7, first_at=first, at=first + timedelta(minutes=5)),
              AuditEntry(kind="erasure", detail="personal data of customer #4 erased: customers 1"))
    client = client_of(app, "ar")
    (rejected,) = rows(client.get(f"{AUDIT}?kind={WEBHOOK_REJECTED}").text)
    assert cells(rejected) == ["2021-03-04 10:00:00 to<br>2021-03-04 10:05:00", "the sender (not logged in)",
                               "Rejected webhooks", "7 webhook deliveries to connection shop refused",
                               "the signature does not match", "203.0.113.9"]
    (erased,) = rows(client.get(f"{AUDIT}?kind=erasure").text)
    assert cells(erased)[1:] == ["—", "Personal data erased", "personal data of customer #4 erased: customers 1", "",
                                 "not recorded"]


def test_logins_are_attributed_to_their_user(app):
    client_of(app, "ar", remote="10.4.4.4")
    page = client_of(app, "admin").get(f"{AUDIT}?kind=console.login&who=ar")
    assert cells(rows(page.text)[0])[1:] == ["ar", "Login", "logged in", "", "10.4.4.4"]


ALICE = "alice (admin) in the console"
CLI = "the command line (system user ops)"


SENTENCES = [  # as each writer words it (hub/runs, hub/users.py and the console modules)
    ("replay", f"run 12 replayed by {ALICE}; reason: ERP back", ALICE, "run 12 replayed", "ERP back"),
    ("replay", f"run 12 replayed by {ALICE}; bulk replay 0a1b2c; reason: ERP; back", ALICE, "run 12 replayed",
     "ERP; back"),
    ("replay", "run 12 replayed by cli", "cli", "run 12 replayed", None),
    ("resubmit", f"run 12 resubmitted with an edited payload as event 30 (run 31) by {ALICE}; reason: typo",
     ALICE, "run 12 resubmitted with an edited payload as event 30 (run 31)", "typo"),
    ("replay.bulk", f"bulk replay 0a1b2c of 3 dead run(s) (recipe orders) started by {ALICE}; reason: x",
     ALICE, "bulk replay 0a1b2c of 3 dead run(s) (recipe orders)", "x"),
    ("cursor.reset", f"poll cursor(s) of orders reset to the beginning by {ALICE}; reason: missed rows",
     ALICE, "poll cursor(s) of orders reset to the beginning", "missed rows"),
    ("recipe.pause", f"recipe orders paused by {CLI}; reason: ERP upgrade", CLI, "recipe orders paused", "ERP upgrade"),
    ("recipe.resume", f"recipe orders resumed by {ALICE}; reason: done", ALICE, "recipe orders resumed", "done"),
    ("credit.reject", f"order SO 9 rejected by {ALICE}; reason: over by 10 by far", ALICE, "order SO 9 rejected",
     "over by 10 by far"),
    ("cashapp.accept", f"cash application proposal 7 (bank_transaction TX-1) accepted by {ALICE}: applied 10.00 "
     "to INV-1", ALICE, "cash application proposal 7 (bank_transaction TX-1) accepted", None),
    ("cashapp.accept", f"cash application proposal 7 (bank_transaction TX-1, candidate 2) accepted by {ALICE}: "
     "applied 10.00 to INV-1, 5.00 to INV-2; reason: remittance names both", ALICE,
     "cash application proposal 7 (bank_transaction TX-1, candidate 2) accepted", "remittance names both"),
    ("cashapp.reject", f"cash application proposal 7 (payment P-1) rejected by {ALICE}; reason: wrong customer",
     ALICE, "cash application proposal 7 (payment P-1) rejected", "wrong customer"),
    ("collections.dispute", f"invoice INV-1: dispute opened; reason: damaged by the carrier by {ALICE}", ALICE,
     "invoice INV-1: dispute opened", "damaged by the carrier"),
    ("collections.dispute", f"invoice INV-1: dispute closed by {ALICE}", ALICE, "invoice INV-1: dispute closed", None),
    ("collections.promise", f"invoice INV-1: promise to pay by 2026-12-15, recorded by {ALICE}", ALICE,
     "invoice INV-1: promise to pay by 2026-12-15", None),
    ("users.add", f"user bob (ar) added by {CLI}; reason: new AR clerk", CLI, "user bob (ar) added", "new AR clerk"),
    ("users.remove", f"user bob (ar) removed by {CLI}; reason: left", CLI, "user bob (ar) removed", "left"),
    ("users.add", f"user bob (ar) added by {CLI}", CLI, "user bob (ar) added", None),  # written before reasons
    ("users.config", "console users of the config file at start: dana (admin), erik (ar)", None,
     "console users of the config file at start: dana (admin), erik (ar)", None),
    ("erasure", f"personal data of customer #3 erased: events 1, runs 2; by {CLI}; reason: request 2026-114", CLI,
     "personal data of customer #3 erased: events 1, runs 2", "request 2026-114"),
    ("console.logout", "user bob logged out", "bob", "logged out", None),
    ("console.login_failed", "failed login as an unusable name (#0123456789ab)", "an unusable name (#0123456789ab)",
     "failed login", None),
    ("replay", "something else entirely", None, "something else entirely", None),
]


@pytest.mark.parametrize(("kind", "detail", "who", "what", "why"), SENTENCES,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(SENTENCES)])
def test_each_kind_reads_back_into_who_what_and_why(app, kind, detail, who, what, why):
    from hub.web.console.audit import entry_view

    with app.test_request_context():
        view = entry_view(AuditEntry(id=1, kind=kind, detail=detail, count=1), {"orders"})
    assert (view["who"], "".join(text for text, _ in view["what"]), view["why"]) == (who, what, why)

"""A flood of webhooks with bad signatures: each is answered 401 as before, but the audit log is
written once per window (one row per connection, reason and address, with its count), never
once per request, and the tally's memory is bounded."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from hub.runs.rejections import KIND, RejectionTally
from hub.store.platform import AuditEntry
from hub.web import create_app
from hub.web.webhooks import REJECTIONS_EXTENSION
from tests.web.conftest import signed


class Commits:
    """Counts the commits of an engine."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0
        event.listen(engine, "commit", self.seen)

    def seen(self, connection) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "commit", self.seen)


@pytest.fixture
def commits(hub):
    counter = Commits(hub.engine)
    yield counter
    counter.close()


def rejected_rows(hub) -> list[tuple]:
    with hub.sessions() as session:
        return session.execute(
            select(AuditEntry.connection, AuditEntry.detail, AuditEntry.remote_addr, AuditEntry.count,
                   AuditEntry.first_at <= AuditEntry.at)
            .where(AuditEntry.kind == KIND).order_by(AuditEntry.id)).all()


def clear_audit(hub) -> None:
    with hub.sessions.begin() as session:
        session.query(AuditEntry).delete()


def test_300_bad_signatures_cost_one_commit_and_sum_to_300(hub, commits):
    clear_audit(hub)
    app = create_app(hub)
    assert isinstance(app.extensions[REJECTIONS_EXTENSION], RejectionTally)
    # a window longer than the test, however slow the machine
    tally = app.extensions[REJECTIONS_EXTENSION] = RejectionTally(hub.sessions, window=3600)
    client = app.test_client()
    commits.count = 0
    bad = {**signed(b'{"id": 1}', "flood"), "X-Shopify-Hmac-Sha256": "bm90LXRoZS1zaWduYXR1cmU="}
    answers = [client.post("/webhooks/shop", data=b'{"id": 1}', headers=bad,
                           environ_base={"REMOTE_ADDR": f"10.0.0.{i % 3}"}) for i in range(300)]
    assert {a.status_code for a in answers} == {401}
    assert answers[0].get_json() == {"error": "webhook rejected: signature in X-Shopify-Hmac-Sha256 "
                                              "does not match the body"}
    assert commits.count == 0  # nothing written while the window is open
    tally.stop()  # what the server does on shutdown
    assert commits.count == 1
    rows = rejected_rows(hub)
    assert sorted(rows) == [("shop", "signature in X-Shopify-Hmac-Sha256 does not match the body",
                             f"10.0.0.{i}", 100, True) for i in range(3)]


def test_the_request_that_finds_the_window_over_writes_the_tally(hub, commits):
    clear_audit(hub)
    now = [0.0]
    app = create_app(hub)
    tally = app.extensions[REJECTIONS_EXTENSION] = RejectionTally(hub.sessions, window=10, clock=lambda: now[0])
    client = app.test_client()
    commits.count = 0
    for second in range(25):  # one bad request a second for 25 seconds
        now[0] = second
        assert client.post("/webhooks/shop", data=b"{}", headers={"Content-Type": "application/json"}).status_code == 401
    assert commits.count == 2  # at 10 s and at 20 s
    assert [r[3] for r in rejected_rows(hub)] == [11, 10]
    tally.flush()
    assert sum(r[3] for r in rejected_rows(hub)) == 25


def test_the_tally_holds_a_bounded_number_of_keys(hub):
    clear_audit(hub)
    tally = RejectionTally(hub.sessions, max_keys=5)
    for i in range(50):
        tally.count("shop", "missing signature header X", f"10.1.0.{i}")
    assert tally.flush() == 6
    rows = rejected_rows(hub)
    assert [r[3] for r in rows] == [1, 1, 1, 1, 1, 45]
    assert rows[-1][:3] == (None, tally.overflow_key[1], None)


def test_a_tally_the_database_cannot_take_is_kept_for_the_next_window(hub, monkeypatch):
    clear_audit(hub)
    tally = RejectionTally(hub.sessions)
    tally.count("shop", "bad", "10.2.0.1")

    class Locked:
        def begin(self):
            raise OperationalError("INSERT", {}, Exception("database is locked"))

    with monkeypatch.context() as patched:
        patched.setattr(tally, "_sessions", Locked())
        assert tally.flush() == 0
    tally.count("shop", "bad", "10.2.0.1")
    assert tally.flush() == 1
    assert [r[3] for r in rejected_rows(hub)] == [2]


def test_the_server_thread_writes_each_window(hub):
    clear_audit(hub)
    tally = RejectionTally(hub.sessions, window=0.2)
    tally.start()
    try:
        tally.count("shop", "bad", "10.3.0.1")
        for _ in range(200):
            if rejected_rows(hub):
                break
            time.sleep(0.05)
        assert [r[3] for r in rejected_rows(hub)] == [1]
    finally:
        tally.stop()
    with hub.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1

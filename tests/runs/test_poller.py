"""Where a poll trigger's first poll starts (start: now, a date, or the whole history), with a
fake connector that records the cursors it is given."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from hub.connector import Connector, Cursor, PolledRecord
from hub.registry import ConnectorRegistry
from hub.runs.poller import poll_once, reset_cursor
from hub.store.platform import Event, PollCursor, RecipeVersion

RECIPE = """\
recipe: invoices-out
trigger:
  poll: {{connection: ledger, resource: invoices, every: 1m, overlap: 10m{start}}}
steps:
  - id: seen
    filter: event.id
"""

DAY = datetime(2026, 12, 1, tzinfo=timezone.utc)


class FakeLedger(Connector):
    """Invoices by id with their change time; ``poll`` keeps the cursors it was given.

    Like Stripe or Odoo, it filters on whole seconds, so it may answer a little before the start.
    """

    kind = "fake_ledger"

    def __init__(self, name, config):
        super().__init__(name, config)
        self.records: dict[str, datetime] = {}
        self.cursors: list[Cursor] = []

    def resources(self) -> frozenset[str]:
        return frozenset({"invoices"})

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        self.cursors.append(cursor)
        since = cursor.start.replace(microsecond=0) if cursor.start else None
        changed = sorted((at, rid) for rid, at in self.records.items() if since is None or at >= since)
        for at, rid in changed:
            yield PolledRecord(id=rid, updated_at=at, data={"id": rid, "updated_at": at.isoformat()})


@pytest.fixture
def make_ledger_hub(make_hub):
    registry = ConnectorRegistry()
    registry.register(FakeLedger)

    def make(start: str = "", records: dict[str, datetime] | None = None):
        hub = make_hub({"ledger": {"connector": "fake_ledger"}}, {"r.yaml": RECIPE.format(start=start)},
                       registry=registry)
        hub.connections["ledger"].records.update(records or {})
        return hub
    return make


def poll(hub) -> set[str]:
    """Poll once; the record ids that are events so far."""
    poll_once(hub, hub.recipes["invoices-out"])
    with hub.sessions() as s:
        return {key.split(":")[4] for key in s.scalars(select(Event.dedupe_key))}


def cursor_row(hub) -> PollCursor:
    with hub.sessions() as s:
        return s.scalars(select(PollCursor)).one()


def first_loaded(hub) -> datetime:
    with hub.sessions() as s:
        return s.scalars(select(RecipeVersion.first_seen_at)).one()


def test_without_start_the_first_poll_reads_the_whole_history(make_ledger_hub):
    hub = make_ledger_hub(records={"old": datetime(2019, 1, 1, tzinfo=timezone.utc), "new": DAY})
    assert poll(hub) == {"old", "new"}
    assert hub.connections["ledger"].cursors[0].start is None
    assert cursor_row(hub).start_at is None


def test_start_now_reads_from_when_the_recipe_was_first_loaded(make_ledger_hub):
    hub = make_ledger_hub(", start: now")
    loaded = first_loaded(hub)
    ledger = hub.connections["ledger"]
    ledger.records.update({"years-ago": loaded - timedelta(days=900), "just-before": loaded - timedelta(seconds=1)})

    assert poll(hub) == set()
    assert ledger.cursors[0].start == loaded and cursor_row(hub).start_at == loaded
    ledger.records["after"] = loaded + timedelta(seconds=30)
    assert poll(hub) == {"after"}
    # the overlap (10m) does not reach back before the start
    assert ledger.cursors[-1].start == loaded
    assert poll(hub) == {"after"}


def test_start_now_survives_a_restart_before_and_after_the_first_poll(make_ledger_hub):
    hub = make_ledger_hub(", start: now")
    loaded = first_loaded(hub)
    hub.close()

    later = make_ledger_hub(", start: now", records={"before": loaded - timedelta(minutes=5),
                                                      "after": loaded + timedelta(minutes=5)})
    assert poll(later) == {"after"}
    assert cursor_row(later).start_at == loaded
    later.close()

    again = make_ledger_hub(", start: now")
    poll(again)
    assert cursor_row(again).start_at == loaded


def test_start_date_reads_changes_since_midnight_utc(make_ledger_hub):
    hub = make_ledger_hub(", start: 2026-12-01", records={
        "november": DAY - timedelta(microseconds=1), "december": DAY, "later": DAY + timedelta(days=3)})
    assert poll(hub) == {"december", "later"}  # the ledger answers "november" too: whole seconds
    assert hub.connections["ledger"].cursors[0].start == DAY


def test_start_date_time_with_offset(make_ledger_hub):
    hub = make_ledger_hub(', start: "2026-12-01T08:00:00+01:00"', records={
        "six": DAY + timedelta(hours=6, minutes=59), "seven": DAY + timedelta(hours=7)})
    assert poll(hub) == {"seven"}
    assert cursor_row(hub).start_at == DAY + timedelta(hours=7)


def test_start_only_matters_when_the_cursor_is_created(make_ledger_hub):
    hub = make_ledger_hub(records={"old": datetime(2019, 1, 1, tzinfo=timezone.utc)})
    poll(hub)
    hub.close()
    edited = make_ledger_hub(", start: now", records={"old2": datetime(2019, 1, 2, tzinfo=timezone.utc)})
    assert cursor_row(edited).start_at is None
    assert poll(edited) == {"old", "old2"}  # read on from the cursor, not from now
    assert edited.connections["ledger"].cursors[0].start == datetime(2019, 1, 1, tzinfo=timezone.utc) - timedelta(minutes=10)


def test_reset_moves_the_start_back_and_reads_again_from_there(make_ledger_hub):
    hub = make_ledger_hub(", start: now", records={"old": DAY, "older": DAY - timedelta(days=31)})
    assert poll(hub) == set()
    assert reset_cursor(hub, "invoices-out", DAY - timedelta(days=1)) == 1
    assert cursor_row(hub).start_at == DAY - timedelta(days=1)
    assert poll(hub) == {"old"}
    assert reset_cursor(hub, "invoices-out") == 1
    assert poll(hub) == {"old", "older"}


def test_reset_before_the_first_poll_creates_the_cursor_there(make_ledger_hub):
    hub = make_ledger_hub(", start: now", records={"old": DAY})
    assert reset_cursor(hub, "invoices-out", DAY) == 1
    assert poll(hub) == {"old"}
    assert reset_cursor(hub, "no-such-recipe", DAY) == 0


def test_the_reset_command_says_what_it_did_and_leaves_an_audit_line(make_ledger_hub, monkeypatch):
    from click.testing import CliRunner

    from hub.cli import main
    from hub.store.platform import AuditEntry

    hub = make_ledger_hub(", start: now")
    registry = ConnectorRegistry()
    registry.register(FakeLedger)
    monkeypatch.setattr(ConnectorRegistry, "from_entry_points", classmethod(lambda cls: registry))
    done = CliRunner().invoke(main, ["--config", str(hub.settings.path), "cursors", "reset", "invoices-out",
                                     "--to", "2024-01-01", "--reason", "the ERP restored a backup"])
    assert done.exit_code == 0, done.output
    assert done.output == "reset 1 cursor(s) of invoices-out to 2024-01-01\n"
    with hub.sessions() as s:
        (line,) = s.scalars(select(AuditEntry).where(AuditEntry.kind == "cursor.reset")).all()
    assert line.detail.startswith("poll cursor(s) of invoices-out reset to 2024-01-01 by the command line")
    assert line.detail.endswith("; reason: the ERP restored a backup")


def test_a_large_poll_commits_a_hundred_records_at_a_time_each_with_its_run(make_ledger_hub):
    from sqlalchemy import event as sa_event

    from hub.store.platform import Run

    hub = make_ledger_hub(records={f"r{i:04d}": DAY + timedelta(seconds=i) for i in range(250)})
    commits = []

    def count(connection):
        commits.append(connection)
    sa_event.listen(hub.engine, "commit", count)
    result = poll_once(hub, hub.recipes["invoices-out"])
    sa_event.remove(hub.engine, "commit", count)
    assert (result.seen, result.new) == (250, 250)
    assert len(commits) <= 8  # the cursor read, three batches of events, the cursor saved after each
    with hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Run)) == 250
    assert cursor_row(hub).last_seen_id == "r0249"


def test_a_poll_that_fails_midway_keeps_the_batches_stored_and_the_next_poll_stores_the_rest_once(make_ledger_hub):
    hub = make_ledger_hub(records={f"r{i:04d}": DAY + timedelta(seconds=i) for i in range(250)})
    ledger, real_poll = hub.connections["ledger"], FakeLedger.poll

    def failing(self, resource, cursor):
        for n, record in enumerate(real_poll(self, resource, cursor)):
            if n == 150:
                raise ConnectionError("the ledger went away")
            yield record
    ledger.poll = failing.__get__(ledger)
    with pytest.raises(ConnectionError):
        poll_once(hub, hub.recipes["invoices-out"])
    assert len(events(hub)) == 100 and cursor_row(hub).last_seen_id == "r0099"  # the half batch is not kept
    ledger.poll = real_poll.__get__(ledger)
    assert poll(hub) == {f"r{i:04d}" for i in range(250)}
    assert len(events(hub)) == 250  # the overlap's records again: duplicates, stored once


def events(hub) -> list[str]:
    with hub.sessions() as s:
        return list(s.scalars(select(Event.dedupe_key)))

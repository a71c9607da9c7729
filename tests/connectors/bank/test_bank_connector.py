"""The bank connector as a watched folder: one polled record per transaction."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from connectors.bank import BankConnector
from hub.connector import Cursor
from hub.errors import FatalError, RetriableError
from tests.support.fixtures import FIXTURES as SHARED

FIXTURES = SHARED / "bank"
CAMT = FIXTURES / "camt053" / "valid_example.xml"
MT940 = FIXTURES / "mt940" / "mBank" / "mt940.sta"


def _drop(folder: Path, source: Path, when: datetime) -> Path:
    target = folder / source.name
    shutil.copyfile(source, target)
    os.utime(target, (when.timestamp(), when.timestamp()))
    return target


def _connector(folder: Path, **extra) -> BankConnector:
    return BankConnector.from_config("bank", {"folder": str(folder), **extra})


def test_poll_yields_one_record_per_transaction_oldest_file_first(tmp_path):
    old, new = datetime(2024, 3, 1, tzinfo=timezone.utc), datetime(2024, 3, 2, tzinfo=timezone.utc)
    _drop(tmp_path, MT940, new)
    _drop(tmp_path, CAMT, old)
    records = list(_connector(tmp_path).poll("statements", Cursor(start=None)))
    assert len(records) == 5 + 3
    assert [r.updated_at for r in records] == [old] * 5 + [new] * 3
    assert all(r.id == r.data["id"] and r.id.startswith("bt_") for r in records)


def test_poll_skips_files_older_than_the_cursor(tmp_path):
    old = datetime(2024, 3, 1, tzinfo=timezone.utc)
    _drop(tmp_path, CAMT, old)
    _drop(tmp_path, MT940, old + timedelta(hours=1))
    records = list(_connector(tmp_path).poll("statements", Cursor(start=old + timedelta(minutes=30))))
    assert {r.data["currency"] for r in records} == {"PLN"}


def test_pattern_and_archive(tmp_path):
    inbox, done = tmp_path / "in", tmp_path / "done"
    inbox.mkdir()
    _drop(inbox, CAMT, datetime(2024, 3, 1, tzinfo=timezone.utc))
    _drop(inbox, MT940, datetime(2024, 3, 1, tzinfo=timezone.utc))
    connector = _connector(inbox, pattern="*.xml", archive_folder=str(done))
    assert len(list(connector.poll("statements", Cursor(start=None)))) == 5
    assert [p.name for p in inbox.iterdir()] == ["mt940.sta"]
    assert [p.name for p in done.iterdir()] == ["valid_example.xml"]


def test_missing_folder_is_retriable_and_unknown_resource_fatal(tmp_path):
    with pytest.raises(RetriableError, match="not there"):
        list(_connector(tmp_path / "nope").poll("statements", Cursor(start=None)))
    with pytest.raises(FatalError, match="unknown resource"):
        list(_connector(tmp_path).poll("payments", Cursor(start=None)))
    assert _connector(tmp_path).resources() == frozenset({"statements"})


def test_a_statement_is_archived_only_after_its_transactions_are_stored(tmp_path, make_hub, monkeypatch):
    """The poller stores each transaction before it asks for the next one (poll_batch 1): a
    store that fails mid-poll leaves the file in the folder, and the next poll stores it all."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError

    import hub.runs.poller as poller
    from hub.store.platform import Event

    inbox, done = tmp_path / "in", tmp_path / "done"
    inbox.mkdir()
    _drop(inbox, CAMT, datetime(2024, 3, 1, tzinfo=timezone.utc))
    recipe = ("recipe: statements\ntrigger:\n  poll: {connection: bank, resource: statements, every: 1m}\n"
              "steps:\n  - id: seen\n    filter: event.id\n")
    hub = make_hub({"bank": {"connector": "bank", "folder": str(inbox), "archive_folder": str(done)}},
                   {"s.yaml": recipe})
    real, calls = poller.accept_many, []

    def failing_on_the_fifth(sessions, items):
        calls.append(len(items))
        if len(calls) == 5:  # the store goes away while the file's last transaction is stored
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(sessions, items)
    monkeypatch.setattr(poller, "accept_many", failing_on_the_fifth)
    with pytest.raises(OperationalError):
        poller.poll_once(hub, hub.recipes["statements"])
    assert calls == [1, 1, 1, 1, 1] and [p.name for p in inbox.iterdir()] == ["valid_example.xml"]
    monkeypatch.setattr(poller, "accept_many", real)
    assert poller.poll_once(hub, hub.recipes["statements"]).new == 1  # the four before are duplicates
    assert [p.name for p in done.iterdir()] == ["valid_example.xml"]
    with hub.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 5

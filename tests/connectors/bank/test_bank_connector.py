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

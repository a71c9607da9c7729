"""The database ``o2c-hub demo`` plays its day in: the configured one, so that every other
command run with the same config file sees the demo's runs.

The demo wipes that database at every start, so it takes care whose data it wipes:

    var/o2c-hub.db        the configured SQLite database; the demo creates it with its mark,
                          SQLite's application id "o2cD" in the file's header, which travels
                          with the file: a database with this mark is the demo's and may be wiped
    var/o2c-hub.db.lock   locked (flock) by the running demo, and holding its pid: a second
                          demo on the same database refuses instead of wiping the first one's

A database the demo did not create is wiped only if it holds no rows (a schema without data,
as ``o2c-hub runs list`` leaves in a fresh folder). Anything else is refused with one line,
as is a database that is not a SQLite file and a config file inside the installed package
(the demo writes beside its config file; ``o2c-hub init`` makes a folder of one's own).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hub import PACKAGE
from hub.errors import DemoRefused
from hub.store.base import create_private_file

SQLITE_FILES = ("", "-wal", "-shm", "-journal")
DEMO_MARK = int.from_bytes(b"o2cD", "big")  # PRAGMA application_id of a database the demo made


class DemoDatabase:
    """The demo's claim on its database: ``claim()`` locks it and wipes it, ``release()`` unlocks."""

    def __init__(self, database_url: str, config_path: Path):
        self.config_path = Path(config_path).resolve()
        self.path = _sqlite_path(database_url)
        self.shown = _shown(self.path)
        self._lock: IO[str] | None = None

    def claim(self) -> DemoDatabase:
        """Refuse (DemoRefused) or lock the database and start it afresh."""
        _outside_package(self.config_path, self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _take_lock(self.path.with_name(self.path.name + ".lock"), self.shown)
        try:
            self._wipe()
        except BaseException:
            self.release()
            raise
        return self

    def release(self) -> None:
        """Let another demo start (the lock file stays, unlocked)."""
        if self._lock is not None:
            self._lock.close()  # closing the file drops the flock
            self._lock = None

    def __enter__(self) -> DemoDatabase:
        return self.claim()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _wipe(self) -> None:
        if self.path.exists() and not _demos_or_empty(self.path):
            raise DemoRefused(f"{self.shown} holds data the demo did not create; "
                              "point database: at another file or remove it")
        for suffix in SQLITE_FILES:
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        create_private_file(self.path)
        with closing(sqlite3.connect(self.path)) as conn:
            conn.execute(f"PRAGMA application_id = {DEMO_MARK}")


def _sqlite_path(database_url: str) -> Path:
    try:
        url = make_url(database_url)
    except ArgumentError:
        url = None
    if url is None or url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        backend = url.get_backend_name() if url is not None else "an unreadable URL"
        raise DemoRefused(f"the demo wipes its database at every start, so it needs a SQLite file, and "
                          f"database: names {backend}; point database: at a file, e.g. sqlite:///var/o2c-hub.db")
    return Path(url.database).resolve()


def _outside_package(config_path: Path, db_path: Path) -> None:
    package = PACKAGE.resolve()
    for path in (config_path, db_path):
        if path.is_relative_to(package):
            raise DemoRefused(f"{path} is inside the installed o2c-hub package, where the demo must not write; "
                              "make a folder of your own and run the demo there: "
                              "o2c-hub init site && cd site && o2c-hub demo")


def _take_lock(path: Path, shown: str) -> IO[str]:
    lock = path.open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "unknown"
        lock.close()
        raise DemoRefused(f"a demo is already running (pid {holder}) on {shown}") from None
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def _demos_or_empty(path: Path) -> bool:
    """Whether the demo made this database, or no table but the schema version has a row
    (a file SQLite cannot read: neither)."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            if conn.execute("PRAGMA application_id").fetchone()[0] == DEMO_MARK:
                return True
            tables = [name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
            return not any(conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for name in tables)
    except sqlite3.DatabaseError:
        return False


def _shown(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

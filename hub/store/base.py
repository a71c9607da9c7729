"""The declarative base, the engine factory and the session factory; ``in_chunks`` for the
values of an IN (...) query."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from sqlalchemy import JSON, DateTime, Engine, Numeric, String, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from hub import jsonutil


#: Values bound in one IN (...) query: well below SQLite's limit of bound values.
IN_CHUNK = 500
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def in_chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``values`` a chunk of at most ``size`` at a time, for one IN (...) query each."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def expire_held(session: Session, model: type, ids: Iterable[int], attributes: list[str] | None = None) -> None:
    """Rows of ``model`` written past ``session`` (Core statements): those its identity map holds
    are read again when next used (``attributes`` only, when given)."""
    for row_id in ids:
        held = session.identity_map.get(session.identity_key(model, row_id))
        if held is not None:
            session.expire(held, attributes)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


#: Money columns: exact decimals, enough for 4-decimal currencies and large totals.
Money = Numeric(20, 4, asdecimal=True)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UTCDateTime(),
        Decimal: Money,
        dict: JSON,
        list: JSON,
        str: String(255),
    }


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    # JSON columns hold money: serialize Decimal as exact number literals, parse back to Decimal.
    json_args = {"json_serializer": jsonutil.dumps, "json_deserializer": jsonutil.loads}
    # hide_parameters: a database error's text never quotes the values (event data, personal data).
    json_args["hide_parameters"] = True
    if url.startswith("sqlite"):
        _create_sqlite_file(url)
        # Connections are kept for every thread that may read at once (web threads, workers,
        # the writer): opening one costs its pragmas, and a pool too small opens and closes
        # them under load.
        pool = {} if _in_memory(url) else {"pool_size": 32, "max_overflow": 64}
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **pool, **json_args
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **json_args)


def _in_memory(url: str) -> bool:
    database = make_url(url).database
    return not database or database == ":memory:" or "mode=memory" in url


def _create_sqlite_file(url: str) -> None:
    """SQLite creates the file but not its folder; create the folder, and the file readable by
    its owner only (SQLite would make it as the umask says, often readable by every local user)."""
    parsed = make_url(url)
    path = parsed.database
    if not path or path == ":memory:" or path.startswith("file:") or "uri" in parsed.query:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    create_private_file(Path(path))


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists. A new SQLite database holds personal
    data; SQLite gives its -wal and -shm files the database file's permissions."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets readers run beside the writer; FULL sync makes every commit durable even
    # across an OS crash: a webhook answered 2xx is on disk.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def database_detail(exc: SQLAlchemyError) -> str:
    """What the hub log says of a database error: its class, the driver's class and what the
    driver names, e.g. ``database error (IntegrityError from sqlite3.IntegrityError):
    SQLITE_CONSTRAINT_UNIQUE, UNIQUE constraint failed: sales_orders.number``. Never the
    statement, its parameters, or a server message that may quote a value."""
    driver = getattr(exc, "orig", None)
    if driver is None:
        return f"database error ({type(exc).__name__})"
    names = ", ".join(_names_in(driver))
    return (f"database error ({type(exc).__name__} from {type(driver).__module__}.{type(driver).__name__})"
            + (f": {names}" if names else ""))


def _names_in(driver: BaseException) -> list[str]:
    """The SQLSTATE or SQLite error name, and the constraint, table and column a driver error names."""
    diag = getattr(driver, "diag", None)
    if diag is not None:  # psycopg: the server's names (its message's DETAIL line quotes the row)
        named = (("constraint", diag.constraint_name), ("table", diag.table_name), ("column", diag.column_name))
        return [f"SQLSTATE {driver.sqlstate}"] + [f"{what} {name}" for what, name in named if name]
    if isinstance(driver, sqlite3.IntegrityError):  # "UNIQUE constraint failed: t.a, t.b": columns only
        return [driver.sqlite_errorname, str(driver).splitlines()[0]]
    if isinstance(driver, sqlite3.Error):
        return [driver.sqlite_errorname]
    return []

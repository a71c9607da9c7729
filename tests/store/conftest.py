"""A throw-away PostgreSQL database where a test asks for one (the in-memory store, ``session``,
is the suite's: tests/conftest.py)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_database():
    """A throw-away PostgreSQL database on the local server, dropped afterwards."""
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'psycopg[binary]'")
    name = f"o2c_migrate_{uuid.uuid4().hex[:8]}"
    server = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        server.dispose()
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {error.__class__.__name__}")
    yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()

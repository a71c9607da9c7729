"""A throw-away PostgreSQL database on the machine's server (127.0.0.1:5432), dropped afterwards.

    with throwaway_database("o2c_race") as url:     # postgresql+psycopg://postgres@.../o2c_race_1a2b3c4d
        ...

Outside CI a server that does not answer skips the test, with the reason; in CI (.ci/run starts
PostgreSQL) it fails it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from tests.support.services import require

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new, empty database named ``<prefix>_<random>``; yields its URL."""
    require("PostgreSQL", "127.0.0.1", 5432)
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'psycopg[binary]'")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    server = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()

"""The initial revision builds exactly the tables the models declare (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import hub.store.o2c  # noqa: F401
import hub.store.platform  # noqa: F401
from hub.store import migrate
from hub.store.base import Base, make_engine


def schema_diffs(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_revisions_have_one_head():
    script = ScriptDirectory.from_config(migrate.config())
    assert len(script.get_heads()) == 1


def test_upgrade_empty_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    assert migrate.current(url) is None
    migrate.upgrade(url)
    head = ScriptDirectory.from_config(migrate.config()).get_current_head()
    assert migrate.current(url) == head
    assert schema_diffs(url) == []
    engine = make_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrade_postgresql(pg_database):
    migrate.upgrade(pg_database)
    assert migrate.current(pg_database) is not None
    assert schema_diffs(pg_database) == []

"""The initial revision builds exactly the tables the models declare (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

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


def test_revisions_have_one_head_and_the_hub_knows_it():
    script = ScriptDirectory.from_config(migrate.config())
    assert script.get_heads() == [migrate.HEAD]  # a new revision: set hub.store.migrate.HEAD to it


def test_a_database_at_head_is_not_handed_to_alembic(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate.upgrade(url)
    from alembic import command

    monkeypatch.setattr(command, "upgrade", lambda *args: pytest.fail("alembic was asked"))
    migrate.upgrade(url)
    with make_engine(url).begin() as connection:  # one revision behind: alembic is asked
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(pytest.fail.Exception, match="alembic was asked"):
        migrate.upgrade(url)


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

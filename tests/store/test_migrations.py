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


def described(url: str) -> dict:
    """Every table of the database as the inspector reads it: columns, keys, indexes, checks.
    Columns by name: a revision that adds one adds it last (the store names every column it
    reads or writes, never by position)."""
    engine = make_engine(url)
    try:
        schema = inspect(engine)
        return {table: {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                              for c in schema.get_columns(table)),
            "primary key": schema.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]),
                                    str(f.get("options"))) for f in schema.get_foreign_keys(table)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in schema.get_indexes(table)),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in schema.get_unique_constraints(table)),
            "checks": sorted(c["sqltext"] for c in schema.get_check_constraints(table)),
        } for table in sorted(schema.get_table_names())}
    finally:
        engine.dispose()


def empty(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_new_store_made_from_the_models_is_the_store_the_revisions_make(backend, tmp_path, request, monkeypatch):
    """A database with no tables is created from the models and stamped, not taken through
    every revision: the two ways must give the same schema, table by table."""
    if backend == "sqlite":
        migrated, made = (f"sqlite:///{tmp_path / name}" for name in ("migrated.db", "made.db"))
    else:
        migrated = made = request.getfixturevalue("pg_database")
    migrate.upgrade(migrated, migrate.HEAD)  # an explicit revision: alembic, every revision
    expected = described(migrated)
    assert migrate.current(migrated) == migrate.HEAD
    if backend == "postgresql":
        empty(made)
    from alembic import command

    monkeypatch.setattr(command, "upgrade", lambda *args: pytest.fail("alembic was asked"))
    migrate.upgrade(made)
    assert migrate.current(made) == migrate.HEAD
    assert schema_diffs(made) == []
    assert described(made) == expected
    migrate.upgrade(made)  # at head now: nothing to do


def test_a_store_with_tables_but_no_revision_is_left_to_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    with make_engine(url).begin() as connection:
        connection.execute(text("CREATE TABLE runs (id INTEGER PRIMARY KEY)"))
    with pytest.raises(Exception, match="already exists"):  # not someone else's database quietly stamped
        migrate.upgrade(url)
    assert migrate.current(url) is None

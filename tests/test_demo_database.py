"""The demo's database: the configured one, wiped only when the demo made it (or it holds no
rows), refused when it is not a SQLite file or lies inside the package, one demo at a time."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing

import pytest

from hub import STARTER
from hub.demo_database import DemoDatabase
from hub.errors import DemoRefused

URL = "sqlite:///var/o2c-hub.db"
FOREIGN = "var/o2c-hub.db holds data the demo did not create; point database: at another file or remove it"


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A site folder as the working directory, its config file beside var/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("")
    return tmp_path


def demo_db(here) -> DemoDatabase:
    return DemoDatabase(f"sqlite:///{here / 'var' / 'o2c-hub.db'}", here / "config.yaml")


def add_row(path, table: str = "runs") -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER)")
        conn.execute(f"INSERT INTO {table} VALUES (1)")


def tables(path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def test_the_demo_creates_the_configured_database_and_wipes_it_next_time(here):
    with demo_db(here) as db:
        assert db.path == here / "var" / "o2c-hub.db" and db.path.exists()
        add_row(db.path)
    with demo_db(here) as db:
        assert tables(db.path) == []


def test_the_demos_database_is_readable_by_its_owner_only(here):
    old_umask = os.umask(0o022)  # the usual umask: new files 0644
    try:
        with demo_db(here) as db:
            assert db.path.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old_umask)


def test_a_database_with_rows_the_demo_did_not_create_is_refused_and_kept(here):
    (here / "var").mkdir()
    add_row(here / "var" / "o2c-hub.db")
    with pytest.raises(DemoRefused) as refused:
        demo_db(here).claim()
    assert str(refused.value) == FOREIGN
    assert tables(here / "var" / "o2c-hub.db") == ["runs"]


def test_a_database_made_again_after_the_demo_is_not_the_demos(here):
    with demo_db(here) as db:
        pass
    db.path.unlink()
    add_row(db.path)  # a new file in its place, with data
    with pytest.raises(DemoRefused, match="holds data the demo did not create"):
        demo_db(here).claim()


def test_a_schema_without_rows_may_be_wiped(here):
    (here / "var").mkdir()
    with closing(sqlite3.connect(here / "var" / "o2c-hub.db")) as conn, conn:
        conn.execute("CREATE TABLE runs (id INTEGER)")
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('head')")
    with demo_db(here) as db:
        assert tables(db.path) == []


def test_a_file_that_is_not_sqlite_is_refused(here):
    (here / "var").mkdir()
    (here / "var" / "o2c-hub.db").write_text("ledger export, not a database\n" * 200)
    with pytest.raises(DemoRefused) as refused:
        demo_db(here).claim()
    assert str(refused.value) == FOREIGN


@pytest.mark.parametrize(("url", "backend"), [
    ("postgresql+psycopg://hub:s3cret@db.example/o2c", "postgresql"),
    ("sqlite://", "sqlite"),
    ("sqlite:///:memory:", "sqlite"),
    ("not a url", "an unreadable URL"),
], ids=["postgresql", "sqlite-memory-implicit", "sqlite-memory", "unreadable"])
def test_a_database_that_is_not_a_sqlite_file_is_refused(here, url, backend):
    with pytest.raises(DemoRefused) as refused:
        DemoDatabase(url, here / "config.yaml")
    assert str(refused.value) == (
        f"the demo wipes its database at every start, so it needs a SQLite file, and database: names "
        f"{backend}; point database: at a file, e.g. sqlite:///var/o2c-hub.db")
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("where", ["config", "database"])
def test_nothing_inside_the_package_is_written(here, where):
    config = STARTER / "config.yaml" if where == "config" else here / "config.yaml"
    database = STARTER / "var" / "demo-test.db" if where == "database" else here / "var" / "o2c-hub.db"
    before = sorted(STARTER.rglob("*"))
    with pytest.raises(DemoRefused) as refused:
        DemoDatabase(f"sqlite:///{database}", config).claim()
    inside = config if where == "config" else database
    assert str(refused.value) == (f"{inside} is inside the installed o2c-hub package, where the demo must not "
                                  "write; make a folder of your own and run the demo there: "
                                  "o2c-hub init site && cd site && o2c-hub demo")
    assert sorted(STARTER.rglob("*")) == before


HOLDER = textwrap.dedent("""
    import sys
    from hub.demo_database import DemoDatabase
    held = DemoDatabase(sys.argv[1], sys.argv[2]).claim()
    print("claimed", flush=True)
    sys.stdin.read()  # holds the claim until the test closes our stdin
""")


def test_a_second_process_cannot_claim_a_database_in_use(here):
    url = f"sqlite:///{here / 'var' / 'o2c-hub.db'}"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, str(here / "config.yaml")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=here)
    try:
        assert holder.stdout.readline() == "claimed\n"  # blocks until the holder has the lock
        add_row(here / "var" / "o2c-hub.db")  # the running demo's data
        with pytest.raises(DemoRefused) as refused:
            demo_db(here).claim()
        assert str(refused.value) == f"a demo is already running (pid {holder.pid}) on var/o2c-hub.db"
        assert tables(here / "var" / "o2c-hub.db") == ["runs"]
    finally:
        holder.stdin.close()
        holder.wait(60)
    with demo_db(here) as db:  # the holder is gone: its lock went with it
        assert tables(db.path) == []

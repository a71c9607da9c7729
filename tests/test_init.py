"""``o2c-hub init DIR``: the starter written into a folder that validates and runs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hub import STARTER, __version__
from hub.cli import main
from hub.init_cli import starter_files

RECIPES = sorted(p.name for p in (STARTER / "recipes").glob("*.yaml"))


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Work in an empty folder, with the starter config's own defaults (no database override)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("O2C_DATABASE_URL", raising=False)
    monkeypatch.delenv("O2C_HUB_CONFIG", raising=False)
    return tmp_path


def test_version_is_the_installed_distributions():
    result = cli("--version")
    assert result.exit_code == 0
    assert result.output == f"o2c-hub, version {__version__}\n"
    assert __version__ != "0.0.0+unknown"


def test_init_writes_every_starter_file_and_says_what_to_do_next(here):
    result = cli("init", "site")
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(here / "site")) for p in (here / "site").rglob("*") if p.is_file())
    assert written == ["config.yaml", "dunning.yaml", *(f"recipes/{n}" for n in RECIPES),
                       "samples/order-created.json"]
    for name in written:
        assert (here / "site" / name).read_bytes() == (STARTER / name).read_bytes(), name
    assert (here / "site" / "var").is_dir()
    assert result.output.splitlines()[:6] == [
        "wrote site/config.yaml",
        "wrote site/dunning.yaml",
        f"wrote site/recipes/ ({len(RECIPES)} file(s))",
        "wrote site/samples/ (1 file(s))",
        "made  site/var/ (the SQLite database goes here)",
        "next:",
    ]
    assert "  cd site && o2c-hub validate recipes/ && o2c-hub demo\n" in result.output


def test_the_written_folder_validates_and_its_database_goes_into_var(here):
    assert cli("init", "site").exit_code == 0
    result = cli("--config", "site/config.yaml", "validate", "site/recipes")
    assert result.exit_code == 0, result.output
    *warnings, last = result.output.splitlines()
    assert last == f"{len(RECIPES)} recipe file(s) valid"
    # The starter's generic ERP (no lookup) and its e-mail are made at least once: warned, not refused.
    made_at_least_once = {(line.split(":")[0], line.split(": warning: ")[1].split()[0]) for line in warnings}
    assert made_at_least_once == {("site/recipes/invoice-delivery.yaml", "mail.send_invoice"),
                                  ("site/recipes/order-webhook-to-erp.yaml", "erp.create_order"),
                                  ("site/recipes/order-with-credit-check.yaml", "erp.create_order")}
    result = cli("--config", "site/config.yaml", "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (here / "site" / "var" / "o2c-hub.db").is_file()


def test_init_into_an_existing_folder_keeps_what_is_there(here):
    (here / "site").mkdir()
    (here / "site" / "notes.txt").write_text("mine")
    assert cli("init", "site").exit_code == 0
    assert (here / "site" / "notes.txt").read_text() == "mine"
    assert (here / "site" / "config.yaml").is_file()


def test_the_next_command_quotes_a_folder_name_with_spaces(here):
    result = cli("init", "my site")
    assert result.exit_code == 0, result.output
    assert "  cd 'my site' && o2c-hub validate recipes/ && o2c-hub demo\n" in result.output


EXISTING = [
    (["config.yaml"], "site/config.yaml already exists"),
    (["recipes/order-webhook-to-erp.yaml"], "site/recipes/order-webhook-to-erp.yaml already exists"),
    (["config.yaml", "recipes/order-webhook-to-erp.yaml", "samples/order-created.json"],
     "site/config.yaml already exists (and 2 more starter files)"),
]


@pytest.mark.parametrize("present, what", EXISTING, ids=["config", "one recipe", "several"])
def test_init_refuses_to_overwrite_and_writes_nothing(here, present, what):
    for name in present:
        (here / "site" / name).parent.mkdir(parents=True, exist_ok=True)
        (here / "site" / name).write_text("# edited by hand\n")
    result = cli("init", "site")
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert result.output.endswith(f"{what}; init overwrites nothing, so choose a new or empty folder\n")
    on_disk = sorted(str(p.relative_to(here / "site")) for p in (here / "site").rglob("*") if p.is_file())
    assert on_disk == sorted(present)
    assert all((here / "site" / n).read_text() == "# edited by hand\n" for n in present)


def test_init_refuses_a_file_for_a_folder(here):
    (here / "site").write_text("")
    result = cli("init", "site")
    assert result.exit_code == 1
    assert "'site' is a file" in result.output


def test_only_yaml_and_json_count_as_starter_files(tmp_path):
    """A checkout's starter folder may hold a demo's database or bytecode: never copied."""
    for name in ("config.yaml", "recipes/a.yaml", "samples/b.json", "var/demo.db", "__pycache__/x.pyc"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [str(p) for p in starter_files(tmp_path)] == ["config.yaml", "recipes/a.yaml", "samples/b.json"]

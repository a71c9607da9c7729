"""A command with nothing to do says so in one line and exits 0; every command has its help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from hub.cli import main


def o2c_hub(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hub", "--config", "config.yaml", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A config and its database, with no runs and no proposals."""
    here = tmp_path_factory.mktemp("site")
    (here / "config.yaml").write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": []}))
    assert o2c_hub(here, "db", "upgrade").returncode == 0
    return here


@pytest.mark.parametrize("args, said", [
    (["replay", "--dead", "--reason", "the ERP is back"], "no dead-lettered runs to replay"),
    (["replay", "--dead", "--recipe", "order-import", "--reason", "fixed"], "no dead-lettered runs to replay"),
    (["cashapp", "proposals"], "0 proposals"),
    (["cashapp", "proposals", "--status", "all"], "0 proposals"),
], ids=["replay-dead", "replay-dead-of-a-recipe", "proposals", "proposals-all"])
def test_nothing_to_do_is_said_and_exits_0(site, args, said):
    done = o2c_hub(site, *args)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{said}\n", "")


def test_replay_with_nothing_named_is_still_a_usage_failure(site):
    done = o2c_hub(site, "replay", "--reason", "the ERP is back")
    assert (done.returncode, done.stderr) == (1, "o2c-hub: name the runs to replay, or use --dead\n")


def commands(group: click.Group, path: str = ""):
    for name, command in sorted(group.commands.items()):
        yield f"{path}{name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{path}{name} ")


@pytest.mark.parametrize(("name", "command"), list(commands(main)), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help_text(name, command):
    assert (command.help or "").strip(), f"o2c-hub {name} has no help text"

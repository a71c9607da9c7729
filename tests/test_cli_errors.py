"""Every failure of the o2c-hub command is one line on standard error and exit 1; --debug
shows the traceback. Run as an admin runs it: the installed command, in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from hub.cli_common import HubGroup, failure_lines
from hub.errors import ConfigError, Issue


def o2c_hub(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hub", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def stderr_lines(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.strip()]


def write_config(tmp_path: Path, **extra) -> Path:
    (tmp_path / "recipes").mkdir(exist_ok=True)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"],
                                    **extra}))
    return path


@pytest.fixture
def taken_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def port_in_use(tmp_path, port):
    write_config(tmp_path, server={"host": "127.0.0.1", "port": port})
    return ["--config", "config.yaml", "run"]


def unreachable_postgres(tmp_path, _port):
    write_config(tmp_path, database="postgresql+psycopg://u:pw@127.0.0.1:1/x")
    return ["--config", "config.yaml", "runs", "list"]


def bad_xml(tmp_path, _port):
    write_config(tmp_path)
    (tmp_path / "invoice.xml").write_text("<?xml version='1.0'?>\n<Invoice>\n  <ID>1</Invoice>\n")
    return ["--config", "config.yaml", "einvoice", "import", "invoice.xml"]


def missing_config(tmp_path, _port):
    return ["--config", "nowhere.yaml", "runs", "list"]


CASES = [
    (port_in_use, "o2c-hub: port {port} on 127.0.0.1 is already in use (server.port in config.yaml)"),
    (unreachable_postgres, "o2c-hub: cannot reach the database at postgresql+psycopg://u:***@127.0.0.1:1/x: "
                           "connection failed: connection to server at \"127.0.0.1\", port 1 failed: "
                           "Connection refused"),
    (bad_xml, "o2c-hub: invoice.xml: not well-formed XML at line 3, column 18: "
              "Opening and ending tag mismatch: ID line 3 and Invoice"),
    (missing_config, "o2c-hub: nowhere.yaml: cannot read the config file: No such file or directory"),
]
IDS = ["port-in-use", "postgres-unreachable", "bad-xml", "missing-config"]


@pytest.mark.parametrize(("case", "expected"), CASES, ids=IDS)
def test_a_failure_is_one_line_and_exit_1(tmp_path, taken_port, case, expected):
    done = o2c_hub(tmp_path, *case(tmp_path, taken_port))
    assert done.returncode == 1
    assert stderr_lines(done) == [expected.format(port=taken_port)]
    assert "pw@" not in done.stderr + done.stdout


@pytest.mark.parametrize(("case", "expected"), CASES, ids=IDS)
def test_debug_shows_the_traceback(tmp_path, taken_port, case, expected):
    done = o2c_hub(tmp_path, "--debug", *case(tmp_path, taken_port))
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr


def test_an_unexpected_error_in_a_command_is_one_line_unless_debug():
    @click.group(cls=HubGroup)
    @click.option("--debug", is_flag=True)
    def cli(debug):
        pass

    @cli.command()
    def broken():
        raise KeyError("amount")

    quiet = CliRunner().invoke(cli, ["broken"])
    assert (quiet.exit_code, quiet.output) == (
        1, "o2c-hub: unexpected error: KeyError: 'amount' (run with --debug for the traceback)\n")
    loud = CliRunner().invoke(cli, ["--debug", "broken"])
    assert loud.exit_code == 1 and isinstance(loud.exception, KeyError)


def test_an_unexpected_error_names_its_type_and_the_debug_option():
    assert failure_lines(RuntimeError("the worker stopped\nwhile reading")) == [
        "unexpected error: RuntimeError: the worker stopped (run with --debug for the traceback)"]


def test_a_config_error_is_one_line_per_problem():
    issues = [Issue(file="config.yaml", line=2, col=3, path="server/port", message="must be an integer"),
              Issue(file="config.yaml", line=5, col=1, path="workers", message="must be an integer")]
    assert failure_lines(ConfigError(issues)) == [
        "config.yaml:2:3: server/port: must be an integer", "config.yaml:5:1: workers: must be an integer"]

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
    write_config(tmp_path, server={"host": "127.0.0.1", "port": port}, admin={"token": "x" * 24})
    return ["--config", "config.yaml", "run"]


def host_nobody_has(tmp_path, _port):
    write_config(tmp_path, server={"host": "256.0.0.1", "port": 8080}, admin={"token": "x" * 24})
    return ["--config", "config.yaml", "run"]


def unreachable_postgres(tmp_path, _port):
    write_config(tmp_path, database="postgresql+psycopg://u:pw@127.0.0.1:1/x")
    return ["--config", "config.yaml", "runs", "list"]


def unreachable_postgres_query_password(tmp_path, _port):
    write_config(tmp_path, database="postgresql+psycopg://u@127.0.0.1:1/x?password=Pg-S3cret-PW")
    return ["--config", "config.yaml", "runs", "list"]


def bad_xml(tmp_path, _port):
    write_config(tmp_path)
    (tmp_path / "invoice.xml").write_text("<?xml version='1.0'?>\n<Invoice>\n  <ID>1</Invoice>\n")
    return ["--config", "config.yaml", "einvoice", "import", "invoice.xml"]


def missing_config(tmp_path, _port):
    return ["--config", "nowhere.yaml", "runs", "list"]


CASES = [
    (port_in_use, "o2c-hub: port {port} on 127.0.0.1 is already in use (server.port in config.yaml)"),
    (host_nobody_has, "o2c-hub: cannot listen on 256.0.0.1:8080: Invalid host/port specified. "
                      "(server.host and server.port in config.yaml)"),
    (unreachable_postgres, "o2c-hub: cannot reach the database at postgresql+psycopg://u:***@127.0.0.1:1/x: "
                           "connection failed: connection to server at \"127.0.0.1\", port 1 failed: "
                           "Connection refused"),
    (unreachable_postgres_query_password, "o2c-hub: cannot reach the database at "
                                          "postgresql+psycopg://u@127.0.0.1:1/x?password=***: "
                                          "connection failed: connection to server at \"127.0.0.1\", port 1 "
                                          "failed: Connection refused"),
    (bad_xml, "o2c-hub: invoice.xml: not well-formed XML at line 3, column 18: "
              "Opening and ending tag mismatch: ID line 3 and Invoice"),
    (missing_config, "o2c-hub: nowhere.yaml: cannot read the config file: No such file or directory"),
]
IDS = ["port-in-use", "host-nobody-has", "postgres-unreachable", "postgres-query-password", "bad-xml", "missing-config"]


@pytest.mark.parametrize(("case", "expected"), CASES, ids=IDS)
def test_a_failure_is_one_line_and_exit_1(tmp_path, taken_port, case, expected):
    done = o2c_hub(tmp_path, *case(tmp_path, taken_port))
    assert done.returncode == 1
    assert stderr_lines(done) == [expected.format(port=taken_port)]
    assert "pw@" not in done.stderr + done.stdout and "S3cret" not in done.stderr + done.stdout


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


# -- a command typed wrong -----------------------------------------------------------------------

HUGE = "9" * 26  # more than SQLite's INTEGER holds
IN_RANGE = "is not in the range 1<=x<=9223372036854775807."

USAGE_CASES = [
    (["runs", "list", "--status", "bogus"], "Invalid value for '--status': 'bogus' is not one of 'queued', "
     "'running', 'retrying', 'held', 'succeeded', 'dead', 'rejected'. (o2c-hub runs list --help)"),
    (["exceptions", "list", "--status", "bogus"], "Invalid value for '--status': 'bogus' is not one of 'open', "
     "'resolved', 'all'. (o2c-hub exceptions list --help)"),
    (["einvoice", "import", "missing.xml"],
     "Invalid value for 'FILE': File 'missing.xml' does not exist. (o2c-hub einvoice import --help)"),
    (["runs", "show", HUGE], f"Invalid value for 'RUN_ID': {HUGE} {IN_RANGE} (o2c-hub runs show --help)"),
    (["runs", "show", "0"], "Invalid value for 'RUN_ID': 0 is not in the range 1<=x<=9223372036854775807. "
     "(o2c-hub runs show --help)"),
    (["replay", "1", HUGE], f"Invalid value for '[RUN_IDS]...': {HUGE} {IN_RANGE} (o2c-hub replay --help)"),
    (["runs", "list", "--limit", HUGE], f"Invalid value for '--limit': {HUGE} {IN_RANGE} (o2c-hub runs list --help)"),
    (["cashapp", "accept", HUGE],
     f"Invalid value for 'PROPOSAL_ID': {HUGE} {IN_RANGE} (o2c-hub cashapp accept --help)"),
    (["cashapp", "reject", HUGE, "--reason", "x"],
     f"Invalid value for 'PROPOSAL_ID': {HUGE} {IN_RANGE} (o2c-hub cashapp reject --help)"),
    (["ar", "dso", "--period-days", "1000000"], "Invalid value for '--period-days': 1000000 is not in the range "
     "1<=x<=36500. (o2c-hub ar dso --help)"),
    (["nosuch"], "No such command 'nosuch'. (o2c-hub --help)"),
    (["--bogus", "runs", "list"], "No such option '--bogus'. (o2c-hub --help)"),
]


@pytest.mark.parametrize(("args", "expected"), USAGE_CASES, ids=[
    "runs-status", "exceptions-status", "missing-file", "run-id-huge", "run-id-zero", "replay-id-huge",
    "limit-huge", "accept-id-huge", "reject-id-huge", "period-days-huge", "unknown-command", "unknown-option"])
def test_a_command_typed_wrong_is_one_line_naming_its_help_and_exit_1(tmp_path, args, expected):
    write_config(tmp_path)  # a usable config: a value let through would reach the database
    done = o2c_hub(tmp_path, "--config", "config.yaml", *args)
    assert (done.returncode, stderr_lines(done), done.stdout) == (1, [f"o2c-hub: {expected}"], "")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["runs", "list", "--help"]],
                         ids=["help", "version", "command-help"])
def test_help_and_version_still_answer_and_exit_0(tmp_path, args):
    done = o2c_hub(tmp_path, *args)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("o2c-hub, version " if args == ["--version"] else "Usage: o2c-hub ")


MANUAL_RECIPE = """\
recipe: manual-note
trigger: {manual: {}}
steps:
  - id: note
    map: {expr: "{name: name}", into: customer}
"""


def test_a_payload_nested_too_deep_is_one_line(tmp_path):
    write_config(tmp_path)
    (tmp_path / "recipes" / "manual.yaml").write_text(MANUAL_RECIPE)
    (tmp_path / "payload.json").write_text("[" * 100_000)
    done = o2c_hub(tmp_path, "--config", "config.yaml", "trigger", "manual-note", "--payload", "payload.json")
    assert (done.returncode, stderr_lines(done)) == (1, ["o2c-hub: payload.json: JSON nested deeper than 64 levels"])
    assert "queued" not in done.stdout


def test_a_demo_refusal_is_one_prefixed_line(tmp_path):
    write_config(tmp_path, database="postgresql+psycopg://u:pw@127.0.0.1:1/x")
    done = o2c_hub(tmp_path, "--config", "config.yaml", "demo", "--once")
    assert done.returncode == 1
    assert stderr_lines(done) == [
        "o2c-hub: the demo wipes its database at every start, so it needs a SQLite file, and database: names "
        "postgresql; point database: at a file, e.g. sqlite:///var/o2c-hub.db"]

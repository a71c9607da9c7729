"""The hub's log: text or JSON lines on standard error, secrets masked in both."""

from __future__ import annotations

import io
import json
import logging
import signal
import subprocess
import sys

import pytest
import yaml

from hub import logs
from hub.errors import ConfigError
from hub.redact import Redactor
from hub.registry import ConnectorRegistry
from hub.settings import load_settings


@pytest.fixture
def log_stream():
    """Install the hub's log handler on a buffer; put the logging setup back afterwards."""
    root = logging.getLogger()
    before = (root.level, {h: list(h.filters) for h in root.handlers},
              {n: logging.getLogger(n).level for n in ("apscheduler", "alembic")})
    stream = io.StringIO()
    yield stream
    for handler in [h for h in root.handlers if h.get_name() == logs.HANDLER_NAME]:
        root.removeHandler(handler)
    root.setLevel(before[0])
    for handler, filters in before[1].items():
        handler.filters[:] = filters
    for name, level in before[2].items():
        logging.getLogger(name).setLevel(level)


def entries(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_timestamp_level_logger_message_and_fields(log_stream):
    logs.configure("INFO", "json", stream=log_stream)
    logging.getLogger("o2c_hub.runs").info("run %s done", 7, extra={"run_id": 7, "duration_ms": 12})
    logging.getLogger("o2c_hub.runs").debug("not at INFO")
    [entry] = entries(log_stream)
    assert {k: entry[k] for k in ("level", "logger", "message", "run_id", "duration_ms")} == {
        "level": "INFO", "logger": "o2c_hub.runs", "message": "run 7 done", "run_id": 7, "duration_ms": 12}
    assert list(entry)[:4] == ["timestamp", "level", "logger", "message"]
    assert entry["timestamp"].startswith("20") and "T" in entry["timestamp"]


def test_text_lines_are_readable(log_stream):
    logs.configure("INFO", "text", stream=log_stream)
    logging.getLogger("o2c_hub.runs").info("run %s done", 7, extra={"run_id": 7})
    assert log_stream.getvalue().endswith(" INFO o2c_hub.runs: run 7 done\n")


def test_configuring_again_replaces_the_handler(log_stream):
    logs.configure("INFO", "text", stream=io.StringIO())
    logs.configure("INFO", "json", stream=log_stream)
    logging.getLogger("o2c_hub").info("once")
    assert [e["message"] for e in entries(log_stream)] == ["once"]


def test_secrets_are_masked_in_json_output_as_in_text(log_stream, make_hub):
    hub = make_hub({}, {})  # its admin token, unit-admin-token, is a secret of the config
    logs.configure("INFO", "json", hub.redactor, stream=log_stream)
    hub.install_log_redaction()
    log = logging.getLogger("o2c_hub.web")
    log.info("caller sent %s", "Bearer unit-admin-token", extra={"header": "Bearer unit-admin-token",
                                                                "api_key": "anything"})
    try:
        raise ValueError("bad token unit-admin-token")
    except ValueError:
        log.exception("failed")
    text = log_stream.getvalue()
    assert "unit-admin-token" not in text
    first, second = entries(log_stream)
    assert (first["message"], first["header"], first["api_key"]) == (
        "caller sent Bearer ***", "Bearer ***", "***")
    assert "bad token ***" in second["exc_info"]


def test_the_hubs_log_redaction_applies_to_json_lines(log_stream, make_hub):
    hub = make_hub({}, {})
    logs.configure("INFO", "json", stream=log_stream)  # the formatter knows no secret here
    hub.install_log_redaction()
    logging.getLogger("o2c_hub.web").warning("token %s refused", "unit-admin-token")
    assert [e["message"] for e in entries(log_stream)] == ["token *** refused"]


def test_the_json_formatter_masks_fields_by_itself():
    formatter = logs.HubJsonFormatter(Redactor(["s3cr3t-value"]))
    record = logging.LogRecord("o2c_hub", logging.INFO, __file__, 1, "m", None, None)
    record.detail = "has s3cr3t-value"
    assert json.loads(formatter.format(record))["detail"] == "has ***"


def test_per_tick_libraries_speak_only_at_debug(log_stream):
    logs.configure("INFO", "text", stream=log_stream)
    assert logging.getLogger("apscheduler.executors.default").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("alembic.runtime.migration").getEffectiveLevel() == logging.WARNING
    logs.configure("DEBUG", "text", stream=log_stream)
    assert logging.getLogger("apscheduler.executors.default").getEffectiveLevel() == logging.DEBUG


@pytest.mark.parametrize(("value", "expected"), [(None, "text"), ("json", "json"), ("text", "text")],
                         ids=["default", "json", "text"])
def test_log_format_is_read_from_the_config(tmp_path, value, expected):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "sqlite:///hub.db"}
                                   | ({"log_format": value} if value else {})))
    assert load_settings(path, ConnectorRegistry()).log_format == expected


def test_an_unknown_log_format_is_a_config_error(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("database: sqlite:///hub.db\nlog_format: xml\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, ConnectorRegistry())
    assert len(caught.value.issues) == 1
    issue = caught.value.issues[0]
    assert (issue.line, issue.path) == (2, "log_format")


def test_a_worker_process_logs_json(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({
        "database": "sqlite:///hub.db", "recipes": [], "workers": 1, "log_format": "json"}))
    proc = subprocess.Popen([sys.executable, "-m", "hub", "--config", "config.yaml", "worker"],
                            cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stderr.readline())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        proc.stderr.close()
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO", "o2c_hub.workers", "worker process with 1 thread(s) started")

"""The hub's log: where it goes (standard error), how each entry reads, and how much is written.

``log_format: text`` writes ``2026-11-02 09:00:00,123 INFO o2c_hub.runs: run 7 ...`` lines;
``log_format: json`` writes one JSON object per line (timestamp, level, logger, message and
the fields the entry carries, e.g. ``run_id``, ``status``, ``duration_ms``) for a log collector.

Secrets are masked on the handler (``Hub.install_log_redaction``); in JSON the entry's fields
are masked too, by the formatter. APScheduler reports every job it runs at INFO, i.e. every
poll tick, and Alembic its database dialect at every start; their lines below WARNING are
kept only at ``log_level: DEBUG``.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter

from hub.redact import Redactor

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "o2c-hub"
# Libraries whose INFO lines come at every scheduler tick or every start.
_CHATTY_LOGGERS = ("apscheduler", "alembic")


class HubJsonFormatter(JsonFormatter):
    """One JSON object per entry, its fields masked like its message."""

    def __init__(self, redactor: Redactor | None = None):
        super().__init__("%(levelname)s %(name)s %(message)s", timestamp=True,
                         rename_fields={"levelname": "level", "name": "logger"})
        self.redactor = redactor or Redactor()

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        ordered = {"timestamp": log_data.pop("timestamp", None), **log_data}  # time first, as in text
        return self.redactor.value(ordered)


def configure(level: str, log_format: str, redactor: Redactor | None = None,
              stream: IO[str] | None = None) -> logging.Handler:
    """Send every log entry at ``level`` or above to ``stream`` (standard error) in
    ``log_format``; calling it again replaces the handler it installed before."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(HubJsonFormatter(redactor) if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet_chatty_loggers(level)
    return handler


def quiet_chatty_loggers(level: str) -> None:
    """Keep the scheduler's per-job and the migrations' per-start lines out of the log
    unless ``level`` is DEBUG."""
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)

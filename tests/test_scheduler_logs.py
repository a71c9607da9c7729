"""A poll tick that finds nothing new writes nothing at INFO: not the hub, not APScheduler."""

from __future__ import annotations

import logging
import threading

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from connectors.http.sandbox import create_app
from connectors.sandbox import serve
from hub import logs
from hub.scheduler import Scheduler
from tests.test_scheduler import POLL_RECIPE, connections


@pytest.fixture
def crm():
    with serve(create_app(page_size=2)) as server:
        yield server


@pytest.fixture
def hub_logging():
    """The hub's logging as ``o2c-hub run`` sets it up (level INFO), undone afterwards."""
    root = logging.getLogger()
    levels = {n: logging.getLogger(n).level for n in ("", "apscheduler", "alembic")}
    handler = logs.configure("INFO", "text", stream=open("/dev/null", "w"))  # noqa: SIM115
    yield
    root.removeHandler(handler)
    handler.stream.close()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_an_idle_poll_tick_writes_no_info_line(make_hub, crm, hub_logging, caplog):
    hub = make_hub(connections(crm.url), {"crm.yaml": POLL_RECIPE})
    scheduler = Scheduler(hub)
    ticked = threading.Event()
    scheduler._scheduler.add_listener(lambda _event: ticked.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    with caplog.at_level(logging.INFO):
        scheduler.start()  # a poll recipe's first tick is due at once
        try:
            assert ticked.wait(30), "the poll did not run"
        finally:
            scheduler.stop()
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO] == []

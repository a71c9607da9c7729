"""End-to-end fixtures: the ERP and Slack sandboxes on real sockets, and a real hub process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connectors.http.sandbox import create_app as erp_app
from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from hub import STARTER
from tests.support.hubproc import HubProcess

FAST_RETRY = "retry: {max_attempts: 3, backoff: exponential, initial: 300ms, max_delay: 1s, jitter: false}"


def order_recipe(retry: str = FAST_RETRY) -> str:
    """The bundled order-import recipe, with a retry policy fit for a test's patience."""
    text = (STARTER / "recipes" / "order-webhook-to-erp.yaml").read_text()
    return re.sub(r"^retry: .*$", retry, text, flags=re.MULTILINE)


@pytest.fixture
def erp():
    app = erp_app(token="erp-token-123")
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


@pytest.fixture
def slack():
    app = slack_app(token="xoxb-test-token")
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


@pytest.fixture
def hub(tmp_path: Path, erp, slack):
    proc = HubProcess(tmp_path, erp_url=erp.url, slack_url=slack.url,
                      recipes={"order.yaml": order_recipe()})
    proc.start()
    yield proc
    proc.stop()

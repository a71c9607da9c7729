"""A migrated hub with console users (admin, ar, viewer), one recipe that dead-letters an order
without an e-mail, and a Flask test client per test (each its own cookie jar)."""

from __future__ import annotations

import re

import pytest
import yaml

from hub.hub import Hub
from hub.users import add_user
from hub.web import create_app

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"  # Debian's; never a downloaded browser
RECIPE = """\
recipe: orders
description: an order needs the customer's e-mail
trigger: {manual: {}}
steps:
  - id: customer
    map: {into: customer, expr: "{name: name, email: email}"}
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("console")
    (root / "recipes").mkdir()
    (root / "recipes" / "orders.yaml").write_text(RECIPE)
    config = {"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"]}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    hub = Hub.from_config(root / "config.yaml")
    hub.migrate()
    for name in ("admin", "ar", "viewer"):
        add_user(hub.sessions, name, name, PASSWORD, who="the tests", reason="a test user")
    yield hub
    hub.close()


@pytest.fixture
def app(hub):
    return create_app(hub)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, name: str, password: str = PASSWORD, *, remote: str = "10.0.0.1"):
    page = client.get("/console/login")
    return client.post("/console/login", data={"name": name, "password": password,
                                               "csrf_token": csrf_of(page.text)},
                       environ_base={"REMOTE_ADDR": remote})


def run_now(hub, payload: bytes) -> int:
    """Accept ``payload`` for the orders recipe and execute its run here; the run's id."""
    import uuid

    from hub.runs.inbox import NewEvent, accept

    built = hub.recipes["orders"]
    accepted = accept(hub.sessions, NewEvent(source="manual", topic="manual", body=payload,
                                             dedupe_key=f"manual:orders:{uuid.uuid4().hex}"),
                      [(built.slug, built.recipe.hash)])
    (run_id,) = accepted.run_ids
    execute_queued(hub, run_id)
    return run_id


def execute_queued(hub, run_id: int) -> None:
    from hub.runs import queue
    from hub.runs.executor import execute

    claimed = queue.claim_run(hub.sessions, queue.new_owner(), run_id)
    assert claimed is not None, f"run {run_id} could not be claimed"
    execute(hub, claimed)


@pytest.fixture(scope="module")
def browser():
    """Chromium driven by Playwright, for the browser tests (they skip or fail, see
    test_browser.py, when it is missing)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()

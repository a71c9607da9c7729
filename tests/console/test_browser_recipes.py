"""Recipes and bulk replay in a real browser: Debian's Chromium driven by Playwright against a
real ``o2c-hub run`` process. An admin pauses a webhook recipe, a webhook arrives and its run
waits, the admin resumes it and the run succeeds; then the admin replays two dead runs at once
from the Runs page and follows the progress page to its end."""

from __future__ import annotations

import time

import pytest

from tests.console.conftest import PASSWORD, RECIPE
from tests.console.test_browser import log_in  # skips this module without Chromium
from tests.support.hubproc import HubProcess

pytestmark = pytest.mark.e2e

SHOP_RECIPE = """\
recipe: shop-orders
trigger: {webhook: {connection: shop, topic: orders/create}}
steps:
  - id: customer
    map: {into: customer, expr: "{name: name, email: email}"}
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("browser-recipes"), erp_url="http://127.0.0.1:9",
                     slack_url="http://127.0.0.1:9",
                     recipes={"orders.yaml": RECIPE, "shop-orders.yaml": SHOP_RECIPE})
    hub.add_user("admin", "admin", PASSWORD)
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def page(hub, browser):
    page = log_in(browser, hub, "admin")
    page.on("dialog", lambda dialog: dialog.accept())  # the forms' "are you sure?"
    return page


def test_a_paused_recipe_keeps_its_webhook_run_waiting_until_resumed(hub, page):
    page.goto(f"{hub.url}/console/recipes/")
    page.click("a[href='/console/recipes/shop-orders']")
    page.fill("input[name=reason]", "ERP maintenance")
    page.click("#pause")
    page.wait_for_selector("#state:has-text('paused')")

    answer = hub.post_order({"name": "ACME", "email": "ap@acme.example"})
    assert answer.status_code == 202  # accepted and stored while paused
    (run_id,) = answer.json()["runs"]
    time.sleep(2)  # workers look at least every second: a run that could be taken would be
    assert hub.api("GET", f"/runs/{run_id}").json()["status"] == "queued"
    page.goto(f"{hub.url}/console/runs/?recipe=shop-orders")
    assert "queued" in page.locator(f"tr:has(a[href='/console/runs/{run_id}'])").inner_text()
    page.goto(f"{hub.url}/console/runs/{run_id}")
    assert "recipe shop-orders is paused" in page.locator("#paused").inner_text().lower()
    assert "the run waits for recipe shop-orders to be resumed" in page.locator("p.empty").inner_text()
    page.click("#paused a")  # to the recipe, to resume it
    page.wait_for_url("**/console/recipes/shop-orders")
    assert page.locator("#waiting").inner_text() == "1"

    page.fill("input[name=reason]", "ERP is back")
    page.click("#resume")
    page.wait_for_selector("#state:has-text('active')")
    assert hub.wait_run(run_id)["status"] == "succeeded"
    page.goto(f"{hub.url}/console/runs/{run_id}")
    assert "succeeded" in page.locator("h1").inner_text()


def test_bulk_replay_of_two_dead_runs_shows_its_progress(hub, page):
    payload = hub.workdir / "order.json"
    payload.write_text('{"name": "ACME", "email": 42}')
    dead = []
    for _ in range(2):
        queued = hub.cli("trigger", "orders", "--payload", str(payload), "--no-wait").stdout
        dead.append(int(queued.splitlines()[0].rsplit(" ", 1)[1]))  # "queued: run N"
    for run_id in dead:
        assert hub.wait_run(run_id)["status"] == "dead"

    page.goto(f"{hub.url}/console/runs/?status=dead&recipe=orders")
    page.fill("form.bulk input[name=reason]", "the e-mails are fixed")
    page.click("#bulk-replay")
    page.wait_for_url("**/console/runs/bulk/**")
    page.wait_for_selector("#bulk-state:has-text('finished')", timeout=60_000)  # the page reloads itself
    assert page.locator("#bulk-progress").inner_text() == "2 of 2"
    assert page.locator("#bulk-replayed").inner_text() == "2"
    replays = {r["replay_of"]: r["id"] for r in hub.api("GET", "/runs?recipe=orders").json()["runs"]
               if r["replay_of"]}
    assert sorted(replays) == sorted(dead)

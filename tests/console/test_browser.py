"""The console in a real browser: Debian's Chromium driven by Playwright against a real
``o2c-hub run`` process on a free port."""

from __future__ import annotations

import os
import shutil

import pytest

from hub.users import hash_password
from tests.console.conftest import CHROMIUM, PASSWORD, RECIPE
from tests.support.hubproc import HubProcess

pytestmark = pytest.mark.e2e

if not shutil.which(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs it (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is part of the [test] extra")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A hub signing console sessions with a key of its config file, with a viewer of the config
    file (auditor) beside the database's admin and viewer."""
    console = {"secret_key": "browser-test-console-key-0123456789abcdef",
               "users": [{"name": "auditor", "role": "viewer", "password_hash": hash_password(PASSWORD)}]}
    hub = HubProcess(tmp_path_factory.mktemp("browser"), erp_url="http://127.0.0.1:9",
                     slack_url="http://127.0.0.1:9", recipes={"orders.yaml": RECIPE},
                     extra_config={"console": console})
    for name in ("admin", "viewer"):
        hub.add_user(name, name, PASSWORD)
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def dead_run(hub) -> int:
    payload = hub.workdir / "order.json"
    payload.write_text('{"name": "ACME", "email": 42, "order": "SO-9001"}')
    queued = hub.cli("trigger", "orders", "--payload", str(payload), check=False).stdout
    run_id = int(queued.splitlines()[0].rsplit(" ", 1)[1])  # "queued: run N"; it ends dead (exit 1)
    assert hub.wait_run(run_id)["status"] == "dead"
    return run_id


def log_in(browser, hub, name: str, *, via: str = "/console/login", lands_on: str | None = None):
    """A new page of ``browser`` logged in to ``hub`` as ``name`` through the login form reached
    at ``via``; ``lands_on`` (a URL glob) is where the login must lead."""
    page = browser.new_context().new_page()
    page.set_default_timeout(30_000)
    page.goto(hub.url + via)
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lands_on or (lambda url: "/console/login" not in url))
    return page


def logged_in(browser, hub, name: str):
    return log_in(browser, hub, name, via="/", lands_on="**/console/runs/")


def test_log_in_see_the_runs_and_open_one(browser, hub, dead_run):
    page = logged_in(browser, hub, "admin")
    assert page.locator("nav a").first.inner_text() == "Runs"
    page.click(f"a[href='/console/runs/{dead_run}']")
    assert page.locator("#error-class").inner_text()
    assert "SO-9001" in page.locator("#payload").inner_text()


def test_a_user_of_the_config_file_logs_in_with_its_role(browser, hub, dead_run):
    page = logged_in(browser, hub, "auditor")
    assert "auditor" in page.locator("header").inner_text()
    page.goto(f"{hub.url}/console/runs/{dead_run}")
    assert page.locator("#error-class").inner_text() and page.locator("#replay").count() == 0
    assert page.goto(f"{hub.url}/console/runs/{dead_run}/edit").status == 403


def test_a_viewer_has_no_replay_button_and_a_forged_post_is_refused(browser, hub, dead_run):
    page = logged_in(browser, hub, "viewer")
    page.goto(f"{hub.url}/console/runs/{dead_run}")
    assert page.locator("#replay").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(f"{hub.url}/console/runs/{dead_run}/replay",
                               form={"reason": "forged", "csrf_token": token})
    assert answer.status == 403


def test_a_form_without_its_csrf_token_is_refused(browser, hub, dead_run):
    page = logged_in(browser, hub, "admin")
    page.goto(f"{hub.url}/console/runs/{dead_run}")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.fill("input[name=reason]", "trying without a token")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(f"**/console/runs/{dead_run}/replay") as answer:
        page.click("#replay")
    assert answer.value.status == 400
    assert "security token" in page.locator("#error-message").inner_text()


def test_edit_and_resubmit_a_dead_run_succeeds_once(browser, hub, dead_run):
    page = logged_in(browser, hub, "admin")
    page.goto(f"{hub.url}/console/runs/{dead_run}")
    page.click("#edit")
    page.fill("#payload", '{"name": "ACME", "email": "ap@acme.example", "order": "SO-9001"}')
    page.fill("input[name=reason]", "the e-mail was a number")
    page.click("#resubmit")
    page.wait_for_url(lambda url: not url.endswith(f"/runs/{dead_run}/edit"))
    new_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert new_id != dead_run
    assert hub.wait_run(new_id)["status"] == "succeeded"
    page.reload()
    assert "succeeded" in page.locator("h1").inner_text()
    assert hub.api("GET", f"/runs/{dead_run}").json()["status"] == "dead"  # the original is kept
    resubmitted = [r for r in hub.api("GET", "/runs?recipe=orders").json()["runs"] if r["replay_of"] == dead_run]
    assert [r["id"] for r in resubmitted] == [new_id]

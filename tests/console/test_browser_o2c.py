"""Orders and credit holds in a real browser: Debian's Chromium driven by Playwright against a
real ``o2c-hub run`` process, with the ERP and Slack sandboxes on real sockets. An order over
its customer's limit is held by the bundled credit-checked import; a viewer cannot release it;
an AR user finds it by its number, approves it, and it reaches the ERP."""

from __future__ import annotations


import pytest

from connectors.http.sandbox import create_app as erp_app
from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from tests.console.conftest import PASSWORD
from tests.console.test_browser import log_in  # skips this module without Chromium
from tests.e2e.test_credit_hold import ORDER, credit_recipe, store
from tests.support.hubproc import HubProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def erp():
    app = erp_app(token="erp-token-123")
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


@pytest.fixture(scope="module")
def hub(tmp_path_factory, erp):
    app = slack_app(token="xoxb-test-token")
    with serve(app) as slack:
        hub = HubProcess(tmp_path_factory.mktemp("browser-o2c"), erp_url=erp.url, slack_url=slack.url,
                         recipes={"order.yaml": credit_recipe()})
        for name in ("ar", "viewer"):
            hub.add_user(name, name, PASSWORD)
        hub.start()
        yield hub
        hub.stop()


@pytest.fixture(scope="module")
def held_run(hub, erp) -> int:
    """Order 1042 (141.37 EUR) from a customer whose limit is 100.00 EUR: held, not in the ERP."""
    store(hub, "customer", {"email": "maria.lopez@example.org", "currency": "EUR", "credit_limit": "100.00"},
          ("erp", "C-7"))
    run_id = hub.post_order(ORDER).json()["runs"][0]
    assert hub.wait_run(run_id, statuses=("held", "succeeded", "dead"))["status"] == "held"
    assert erp_orders(erp) == []
    return run_id


def erp_orders(erp) -> list[dict]:
    return [r for r in erp.state.requests if r["path"] == "/erp/orders"]




def test_a_viewer_sees_the_held_order_but_cannot_approve_it(browser, hub, held_run):
    page = log_in(browser, hub, "viewer")
    page.goto(hub.url + "/console/credit/")
    assert "exceeds the limit 100.00" in page.locator("#held-1042").inner_text()
    assert page.locator("#held-1042 button.approve").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(f"{hub.url}/console/credit/1042/approve",
                               form={"reason": "forged", "csrf_token": token})
    assert answer.status == 403
    assert hub.api("GET", f"/runs/{held_run}").json()["status"] == "held"


def test_find_the_order_by_its_number_approve_it_and_it_reaches_the_erp(browser, hub, erp, held_run):
    page = log_in(browser, hub, "ar")
    page.click("nav a:text-is('Orders')")
    page.fill("#ref", "1042")
    page.click("#find")
    assert page.locator("#order-status").inner_text() == "Pending Credit Approval"
    assert page.locator("#timeline tr.event-credit_check").inner_text().count("Held") == 1
    assert "shop" in page.locator("#timeline tr.event-order .sources").inner_text()

    page.click("nav a:text-is('Credit holds')")
    page.fill("#held-1042 input[name=reason]", "long-standing customer")
    page.click("#held-1042 button.approve")
    page.wait_for_selector("p.flash")
    assert "Order 1042 approved" in page.locator("p.flash").inner_text()
    assert page.locator("#held-1042").count() == 0

    assert hub.wait_run(held_run)["status"] == "succeeded"
    (sent,) = erp_orders(erp)
    assert sent["json"]["order_number"] == "1042"

    page.goto(hub.url + "/console/orders/?ref=820982911946154508")  # the storefront's id for it
    checks = page.locator("#timeline tr.event-credit_check")
    assert checks.count() == 2  # the held check, decided by ar, and the re-check of the released run
    assert "decided by ar: long-standing customer" in checks.first.inner_text()
    assert page.locator("#order-status").inner_text() == "Booked"

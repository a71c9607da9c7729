"""The AR pages in a real browser: accept a cash application proposal and see it applied, accept
a proposal's second candidate set on its own page and see which invoices it paid, allocate a
payment over two invoices oneself, and read the aging chart on the AR dashboard (Debian's Chromium, Playwright, a real hub process)."""

from __future__ import annotations

import re

import pytest

from sqlalchemy import select

from hub.store.base import make_engine, make_sessionmaker
from hub.store.o2c import Invoice
from tests.console.ar_seed import proposal, twin_proposal
from tests.console.conftest import PASSWORD, RECIPE
from tests.console.test_browser import log_in  # skips this module without Chromium
from tests.support.hubproc import HubProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("browser-ar"), erp_url="http://127.0.0.1:9",
                     slack_url="http://127.0.0.1:9", recipes={"orders.yaml": RECIPE})
    hub.add_user("clerk", "ar", PASSWORD)
    hub.start()
    yield hub
    hub.stop()


def seeded(hub, make, *args):
    """``make(sessions, *args)`` on the hub process's database, from this process (seeding it,
    or reading it back)."""
    engine = make_engine(f"sqlite:///{hub.workdir / 'hub.db'}")
    try:
        return make(make_sessionmaker(engine), *args)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def proposed(hub):
    return seeded(hub, proposal, "INV-B-2001", "1234.56")


@pytest.fixture(scope="module")
def twins(hub):
    return seeded(hub, twin_proposal, "INV-B-3001", "INV-B-3002", "777.77")


def invoice_statuses(hub, *numbers: str) -> dict[str, str]:
    def read(sessions):
        with sessions() as session:
            return dict(session.execute(select(Invoice.number, Invoice.status).where(Invoice.number.in_(numbers))).all())
    return seeded(hub, read)


@pytest.fixture(scope="module")
def page(hub, browser):
    return log_in(browser, hub, "clerk")


def test_accept_a_proposal_and_see_it_applied(hub, proposed, page):
    page.click("nav >> text=Cash application")
    row = page.locator(f"#proposal-{proposed.proposal_id}")
    assert "INV-B-2001" in row.inner_text() and "1,234.56 EUR" in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#accept-{proposed.proposal_id}")
    flash = page.locator(".flash")
    flash.wait_for()
    assert "payment bt-INV-B-2001 applied (1,234.56 to INV-B-2001)" in flash.inner_text()
    assert page.locator(f"#proposal-{proposed.proposal_id}").count() == 0  # no longer waiting
    page.select_option("select[name=status]", "accepted")
    page.click("form.filters button[type=submit]")
    accepted = page.locator(f"#proposal-{proposed.proposal_id}")
    assert "accepted" in accepted.inner_text() and "by clerk (ar) in the console" in accepted.inner_text()
    page.click("text=Bank lines")
    assert "accepted" in page.locator("tr", has_text="bt-INV-B-2001").inner_text()


def test_accept_the_second_candidate_and_see_the_invoice_it_paid(hub, twins, page):
    page.click("nav >> text=Cash application")
    page.click(f"#proposal-{twins.proposal_id} a.candidates")
    second = page.locator("#candidate-2")
    assert "INV-B-3002" in second.inner_text() and "Globex Corporation" in second.inner_text()
    assert "INV-B-3001" in page.locator("#candidate-1").inner_text()
    assert "paid within 30 days of the due date (+3)" in second.inner_text()
    second.locator("input[name=reason]").fill("Globex's remittance advice names INV-B-3002")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#accept-candidate-2")
    flash = page.locator(".flash")
    flash.wait_for()
    assert (f"Proposal {twins.proposal_id} accepted (candidate 2): payment bt-INV-B-3001 applied "
            "(777.77 to INV-B-3002)") in flash.inner_text()
    assert "accepted" in page.locator("#candidate-2 h3").inner_text()
    assert "accepted" not in page.locator("#candidate-1 h3").inner_text()
    decision = page.locator("#decision").inner_text()
    assert "candidate 2, applied 777.77 to INV-B-3002; reason: Globex's remittance advice names INV-B-3002" in decision
    assert page.locator("#accept-candidate-1").count() == 0  # decided: nothing left to accept
    assert invoice_statuses(hub, "INV-B-3001", "INV-B-3002") == {"INV-B-3001": "open", "INV-B-3002": "paid"}
    page.click("text=Bank lines")
    line = page.locator("tr", has_text="bt-INV-B-3001").inner_text()
    assert "accepted" in line and f"proposal #{twins.proposal_id}" in line


@pytest.fixture(scope="module")
def split(hub):
    return seeded(hub, twin_proposal, "INV-B-4001", "INV-B-4002", "888.88")


def test_allocate_a_payment_over_two_invoices_and_see_the_rest_kept_as_credit(hub, split, page):
    page.click("nav >> text=Cash application")
    page.click(f"#proposal-{split.proposal_id} a.candidates")
    form = page.locator("#allocate-form")
    form.locator("input[name=invoice_1]").fill("INV-B-4001")
    form.locator("input[name=amount_1]").fill("500.00")
    form.locator("input[name=invoice_2]").fill("INV-B-4002")
    form.locator("input[name=amount_2]").fill("388.00")
    form.locator("input[name=reason]").fill("the customer's advice splits it")
    page.click("#allocate")
    flash = page.locator(".flash")
    flash.wait_for()
    assert (f"Proposal {split.proposal_id} accepted (your allocation): payment bt-INV-B-4001 applied "
            "(500.00 to INV-B-4001, 388.00 to INV-B-4002). 0.88 kept as customer credit.") in flash.inner_text()
    assert "an allocation of their own" in page.locator("#decision").inner_text()
    assert page.locator("#allocate-form").count() == 0
    assert invoice_statuses(hub, "INV-B-4001", "INV-B-4002") == {"INV-B-4001": "partially_paid",
                                                                  "INV-B-4002": "partially_paid"}


def test_the_dashboard_draws_the_aging_chart(hub, proposed, page):
    page.click("nav >> text=AR dashboard")
    chart = page.locator("svg#aging-EUR")
    chart.wait_for()
    labels = chart.locator("text.label").all_text_contents()
    assert labels == ["current", "1-30", "31-60", "61-90", "90+"]
    assert re.match(r"Aging of open receivables in EUR on \d{4}-\d{2}-\d{2}", chart.locator("title").text_content())
    assert chart.locator("rect.bar").count() == 5
    assert page.locator("svg#dso-EUR text.label").count() == 12

"""The dashboard shows the cash waiting for cash application as the cash application page counts it."""

from __future__ import annotations

import re
from datetime import date

from hub.o2c.cashapp.unapplied import report
from tests.console.ar_seed import proposal
from tests.console.conftest import login


def test_cash_waiting_for_a_decision_is_on_the_dashboard_as_on_the_cash_application_page(app, hub):
    proposal(hub.sessions, "INV-W-1", "480.25")
    proposal(hub.sessions, "INV-W-2", "311.40")
    with hub.sessions() as session:
        expected = report(session)["unapplied_cash"]["EUR"]
    client = app.test_client()
    assert login(client, "viewer").status_code == 302
    page = client.get(f"/console/dashboard/?as_of={date.today()}").text
    eur = page.split('id="currency-EUR"')[1].split("</section>")[0]
    waiting = re.search(r'class="waiting-cash"><a href="/console/cash-application/">([^<]+)</a>', eur)
    assert waiting and waiting.group(1) == f"{expected:,}" and expected >= 791.65, eur
    cash_page = client.get("/console/cash-application/").text
    assert f"{expected:,}" in cash_page

"""The AR dashboard and the collections page through Flask's test client, and the SVG charts."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub.o2c.dunning import state
from hub.o2c.reports.store import report
from hub.store.o2c_dunning import DunningNotice, InvoiceCollection
from hub.store.platform import AuditEntry
from hub.store.upsert import upsert
from hub.web.console.charts import Point, bar_chart, line_chart
from tests.console.ar_seed import CUSTOMER, invoice
from tests.console.conftest import csrf_of, login

AS_OF = date(2024, 6, 30)
DASHBOARD = "/console/dashboard/"
COLLECTIONS = "/console/collections/"


@pytest.fixture(scope="module")
def book(hub):
    """EUR invoices in every aging bucket on AS_OF, one USD invoice, a dunning notice, a
    dispute and a promise to pay."""
    with hub.sessions.begin() as session:
        upsert(session, "customer", CUSTOMER)
        upsert(session, "customer", {"name": "Globex Corporation", "email": "ap@globex.example"})
        for number, total, late in (("INV-D-1", "1000.00", -5), ("INV-D-2", "250.50", 10), ("INV-D-3", "300.00", 45),
                                    ("INV-D-4", "75.25", 80), ("INV-D-5", "12000.00", 200)):
            upsert(session, "invoice", invoice(number, total, due=AS_OF - timedelta(days=late)))
        upsert(session, "invoice", invoice("INV-D-6", "640.00", due=AS_OF - timedelta(days=20),
                                           email="ap@globex.example", currency="USD"))
        session.add(DunningNotice(policy="standard", invoice_number="INV-D-3", customer="email:ap@acme.example",
                                  level="reminder", notice_level="reminder", channel="email", connection="mail",
                                  as_of=AS_OF - timedelta(days=5), effect_key="k1"))
        state.set_dispute(session, "INV-D-4", disputed=True, reason="goods damaged")
        state.set_promise(session, "INV-D-2", AS_OF + timedelta(days=7))
    return hub


def logged_in(app, name: str):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def svg(page: str, ident: str) -> str:
    found = re.search(rf'<svg class="chart" id="{ident}".*?</svg>', page, re.S)
    assert found, f"no chart {ident}"
    return found.group(0)


def test_the_dashboard_shows_the_reports_figures_and_an_aging_chart_per_currency(app, book):
    page = logged_in(app, "viewer").get(f"{DASHBOARD}?as_of={AS_OF}").text
    with book.sessions() as session:
        aging = report(session, "aging", AS_OF)
    assert aging["EUR"]["total"] == Decimal("13625.75")
    assert '<dd class="open-ar">13,625.75</dd>' in page and '<dd class="overdue-ar">12,625.75</dd>' in page
    assert '<dd class="open-ar">640.00</dd>' in page  # USD
    chart = svg(page, "aging-EUR")
    assert 'role="img"' in chart and "<title id=\"aging-EUR-title\">Aging of open receivables in EUR on 2024-06-30</title>" in chart
    labels = re.findall(r'<text class="label"[^>]*>([^<]+)</text>', chart)
    values = re.findall(r'<text class="value"[^>]*>([^<]+)</text>', chart)
    assert labels == ["current", "1-30", "31-60", "61-90", "90+"]
    assert values == ["1,000.00", "250.50", "300.00", "75.25", "12,000.00"]
    assert "current: 1,000.00; 1-30: 250.50" in chart  # spelled out in <desc>
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]*height="([0-9.]+)"', chart)]
    assert heights[4] == max(heights) and heights[3] == min(heights)
    assert svg(page, "aging-USD") and "Orders held" in page and "0 orders wait" in page
    assert re.search(r'<p class="hint" id="figures-at">Figures as of \d\d:\d\d UTC', page)


def test_dso_and_cei_are_drawn_over_twelve_periods(app, book):
    page = logged_in(app, "viewer").get(f"{DASHBOARD}?as_of={AS_OF}&period_days=30&currency=EUR").text
    dso = svg(page, "dso-EUR")
    labels = re.findall(r'<text class="label"[^>]*>([^<]+)</text>', dso)
    assert len(labels) == 12 and labels[-1] == "30 Jun" and labels[0] == "05 Aug"  # 2023: 11 × 30 days earlier
    assert svg(page, "cei-EUR") and "aging-USD" not in page
    assert "DSO (30 days)" in page


@pytest.mark.parametrize(("query", "message"), [
    ("as_of=yesterday", "as_of must be a date such as 2024-03-31"),
    ("period_days=0", "period_days must be a whole number from 1 to 366"),
    ("currency=eur", "currency must be"),
], ids=["as_of", "period_days", "currency"])
def test_bad_dashboard_arguments_are_a_clear_400(app, query, message):
    answer = logged_in(app, "viewer").get(f"{DASHBOARD}?{query}")
    assert answer.status_code == 400 and message in answer.text


def test_a_logged_in_user_opening_any_console_page_starts_todays_sums(app, book, monkeypatch):
    from hub.o2c.reports import kept

    started, real = [], kept.summaries
    monkeypatch.setattr(kept, "summaries", lambda session, as_of, currency=None: (
        started.append((as_of, currency)) or real(session, as_of, currency)))
    client = app.test_client()
    assert client.get("/console/login").status_code == 200
    assert started == []  # nobody logged in
    assert login(client, "viewer").status_code == 302
    client.get("/console/runs/")
    deadline = time.monotonic() + 10
    while not started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert started == [(date.today(), None)]
    page = client.get(DASHBOARD).text  # today's: kept, or waited for
    assert started == [(date.today(), None)] and "Figures as of" in page


def test_a_currency_without_receivables_says_how_they_arrive(app, book):
    page = logged_in(app, "viewer").get(f"{DASHBOARD}?currency=JPY").text
    assert "No receivables in JPY yet" in page and "<svg" not in page


def test_collections_lists_overdue_invoices_by_customer_with_their_collection_state(app, book):
    page = logged_in(app, "viewer").get(f"{COLLECTIONS}?as_of={AS_OF}").text
    acme = page[page.index("<h3>ACME GmbH"):page.index("</section>", page.index("<h3>ACME GmbH"))]
    assert "overdue 12,625.75 EUR" in acme
    assert [n for n in re.findall(r'id="invoice-([^"]+)"', acme)] == ["INV-D-2", "INV-D-3", "INV-D-4", "INV-D-5"]
    assert "reminder <small>(standard, 2024-06-25)</small>" in acme and "not dunned yet" in acme
    assert "goods damaged" in acme and "2024-07-07" in acme
    assert "Globex Corporation" in page and "640.00 USD" in page
    assert 'action="/console/collections/dispute"' not in page and "Close dispute" not in page


def test_ar_records_a_dispute_and_a_promise_audited_and_checked(app, book):
    client = logged_in(app, "ar")
    token = csrf_of(client.get(COLLECTIONS).text)
    answer = client.post(f"{COLLECTIONS}dispute", data={"csrf_token": token, "invoice": "INV-D-5", "reason": "wrong price"})
    assert answer.status_code == 302
    until = date.today() + timedelta(days=30)  # a promise is for a day to come
    promise = client.post(f"{COLLECTIONS}promise", data={"csrf_token": token, "invoice": "INV-D-3", "until": until})
    assert promise.status_code == 302
    with book.sessions() as session:
        rows = {r.invoice_number: r for r in session.scalars(select(InvoiceCollection))}
        audit = [e.detail for e in session.scalars(select(AuditEntry).where(AuditEntry.kind.like("collections.%"))
                                                   .order_by(AuditEntry.id))]
    assert (rows["INV-D-5"].disputed, rows["INV-D-5"].dispute_reason) == (True, "wrong price")
    assert rows["INV-D-3"].promised_until == until
    assert audit[-2:] == ["invoice INV-D-5: dispute opened; reason: wrong price by ar (ar) in the console",
                          f"invoice INV-D-3: promise to pay by {until}, recorded by ar (ar) in the console"]
    for data, status, message in (
        ({"invoice": "INV-D-5"}, 400, "say what the customer disputes"),
        ({"invoice": "NOPE-1", "reason": "x"}, 404, "there is no invoice NOPE-1"),
    ):
        refused = client.post(f"{COLLECTIONS}dispute", data={"csrf_token": token, **data})
        assert refused.status_code == status and message in refused.text
    bad_date = client.post(f"{COLLECTIONS}promise", data={"csrf_token": token, "invoice": "INV-D-3", "until": "soon"})
    assert bad_date.status_code == 400 and "a date such as 2026-12-15" in bad_date.text
    assert client.post(f"{COLLECTIONS}promise", data={"invoice": "INV-D-3", "withdraw": "1"}).status_code == 400
    viewer = logged_in(app, "viewer")
    forged = viewer.post(f"{COLLECTIONS}dispute", data={"csrf_token": csrf_of(viewer.get(COLLECTIONS).text),
                                                        "invoice": "INV-D-5", "resolved": "1"})
    assert forged.status_code == 403


def test_collections_pages_on_by_customer_and_invoice(app, book, monkeypatch):
    from hub.web.console import collections

    monkeypatch.setattr(collections, "PAGE", 2)
    client = logged_in(app, "viewer")
    first = client.get(f"{COLLECTIONS}?as_of={AS_OF}").text
    assert re.findall(r'id="invoice-([^"]+)"', first) == ["INV-D-2", "INV-D-3"]
    link = re.search(r'href="([^"]+after=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(link).text
    assert re.findall(r'id="invoice-([^"]+)"', second) == ["INV-D-4", "INV-D-5"]
    assert client.get(f"{COLLECTIONS}?after=1:x").status_code == 400


def test_charts_escape_their_text_and_leave_a_gap_for_a_missing_figure():
    chart = line_chart(ident="t", title="<b>DSO</b>", description="days", points=[
        Point(label="a", value=Decimal(5), text="5"), Point(label="b", value=None, text="–"),
        Point(label="c", value=Decimal(7), text="7"), Point(label="d", value=Decimal(9), text="9")])
    assert "<title id=\"t-title\">&lt;b&gt;DSO&lt;/b&gt;</title>" in chart
    assert chart.count("<polyline") == 1 and chart.count("<circle") == 3  # a, then c–d
    assert '<text class="value missing"' in chart
    bars = bar_chart(ident="b", title="t", description="d", points=[Point(label="x", value=Decimal("-3"), text="-3")])
    assert 'height="' in bars and "<desc id=\"b-desc\">d x: -3</desc>" in bars

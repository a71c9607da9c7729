"""The collections page groups overdue invoices by who owes them, never merging strangers, and
a promise to pay is for a day to come."""

from __future__ import annotations

from datetime import date, timedelta

from hub.store.upsert import upsert
from tests.console.ar_seed import CUSTOMER, invoice
from tests.console.conftest import csrf_of, login

COLLECTIONS = "/console/collections/"


def _unlinked(number: str, total: str, name: str, currency: str) -> dict:
    """An invoice naming a party the hub has no customer record of (as an imported e-invoice can)."""
    row = invoice(number, total, due=date.today() - timedelta(days=40), currency=currency)
    return {**row, "customer": {"name": name}}


def test_invoices_without_a_customer_record_are_grouped_by_the_party_they_name(app, hub):
    with hub.sessions.begin() as session:
        upsert(session, "customer", CUSTOMER)
        upsert(session, "invoice", invoice("INV-G-1", "100.00", due=date.today() - timedelta(days=40)))
        upsert(session, "invoice", _unlinked("INV-G-2", "123457", "Tokyo KK", "JPY"))
        upsert(session, "invoice", _unlinked("INV-G-3", "12.345", "Kuwait Co", "KWD"))
        upsert(session, "invoice", _unlinked("INV-G-4", "50.00", "Tokyo KK", "EUR"))
    client = app.test_client()
    assert login(client, "viewer").status_code == 302
    page = client.get(COLLECTIONS).text
    headings = [line.strip() for line in page.splitlines() if line.strip().startswith("<h3>")]
    tokyo = [h for h in headings if "Tokyo KK" in h]
    kuwait = [h for h in headings if "Kuwait Co" in h]
    assert len(tokyo) == 1 and "123,457 JPY" in tokyo[0] and "50.00 EUR" in tokyo[0], headings
    assert len(kuwait) == 1 and "12.345 KWD" in kuwait[0] and "JPY" not in kuwait[0], headings
    assert "no customer record" in tokyo[0]
    acme = [h for h in headings if "ACME GmbH" in h]
    assert len(acme) == 1 and "JPY" not in acme[0] and "KWD" not in acme[0], headings


def test_a_promise_to_pay_in_the_past_is_refused_and_changes_nothing(app, hub):
    with hub.sessions.begin() as session:
        upsert(session, "customer", CUSTOMER)
        upsert(session, "invoice", invoice("INV-G-9", "10.00", due=date.today() - timedelta(days=10)))
    client = app.test_client()
    assert login(client, "ar").status_code == 302
    token = csrf_of(client.get(COLLECTIONS).text)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    answer = client.post(f"{COLLECTIONS}promise", data={"invoice": "INV-G-9", "until": yesterday, "csrf_token": token})
    assert answer.status_code == 400 and "a day to come" in answer.text
    assert "promised by" not in client.get(COLLECTIONS).text.split("INV-G-9")[1][:400]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    answer = client.post(f"{COLLECTIONS}promise", data={"invoice": "INV-G-9", "until": tomorrow, "csrf_token": token})
    assert answer.status_code == 302

"""The console's cash application pages through Flask's test client: proposals and each one's
candidate sets, accepting any candidate and rejecting (roles, CSRF, reasons, audit), unapplied
cash and bank lines."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub.store.o2c import Invoice
from hub.store.o2c_cash import MatchProposal
from hub.store.platform import AuditEntry
from hub.web.console import cashapp
from tests.console.ar_seed import payer_iban, proposal, twin_proposal
from tests.console.conftest import csrf_of, login

PAGE = "/console/cash-application/"


def logged_in(app, name: str):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def token(client) -> str:
    return csrf_of(client.get(PAGE).text)


def stored(hub, proposal_id: int) -> MatchProposal:
    with hub.sessions() as session:
        return session.get(MatchProposal, proposal_id)


def invoice_state(hub, number: str) -> tuple[Decimal, str]:
    with hub.sessions() as session:
        row = session.scalar(select(Invoice).where(Invoice.number == number))
        return row.amount_due, row.status


def last_audit(hub, kind: str) -> AuditEntry:
    with hub.sessions() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id.desc())).first()


def test_a_viewer_sees_each_proposal_in_full_and_no_decision_buttons(app, hub):
    outcome = proposal(hub.sessions, "INV-C-1001", "480.25")
    client = logged_in(app, "viewer")
    page = client.get(PAGE)
    assert page.status_code == 200
    row = page.text[page.text.index(f'id="proposal-{outcome.proposal_id}"'):]
    row = row[:row.index("</tr>")]
    for shown in ("bt-INV-C-1001", "480.25 EUR", "ACME GmbH", "INV-C-1001", "applied 480.25", "40",
                  "amount equals open amount", "score 40, no other candidate"):
        assert shown in row, shown
    assert "Accept" not in page.text and "Reject" not in page.text
    assert 'href="/console/cash-application/"' in page.text  # in the navigation
    answer = client.post(f"{PAGE}{outcome.proposal_id}/accept", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 403 and "may not do this" in answer.text
    assert stored(hub, outcome.proposal_id).status == "proposed"


def test_ar_accepts_a_proposal_and_the_invoice_is_paid_and_audited(app, hub):
    outcome = proposal(hub.sessions, "INV-C-1002", "311.40")
    client = logged_in(app, "ar")
    assert f'id="accept-{outcome.proposal_id}"' in client.get(PAGE).text
    answer = client.post(f"{PAGE}{outcome.proposal_id}/accept", data={"csrf_token": token(client), "status": "proposed"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/cash-application/?status=proposed"
    shown = client.get(answer.headers["Location"]).text
    assert f"Proposal {outcome.proposal_id} accepted: payment bt-INV-C-1002 applied (311.40 to INV-C-1002)." in shown
    assert invoice_state(hub, "INV-C-1002") == (Decimal("0.0000"), "paid")
    decided = stored(hub, outcome.proposal_id)
    assert (decided.status, decided.decided_by) == ("accepted", "ar (ar) in the console")
    assert last_audit(hub, "cashapp.accept").detail == (
        f"cash application proposal {outcome.proposal_id} (bank_transaction bt-INV-C-1002) accepted by "
        "ar (ar) in the console: applied 311.40 to INV-C-1002")
    accepted = client.get(PAGE + "?status=accepted").text
    assert f'id="proposal-{outcome.proposal_id}"' in accepted and "by ar (ar) in the console" in accepted
    again = client.post(f"{PAGE}{outcome.proposal_id}/accept", data={"csrf_token": token(client)})
    assert again.status_code == 409 and "only a proposed match can be decided" in again.text


def test_a_reject_needs_a_reason_which_is_kept_and_audited(app, hub):
    outcome = proposal(hub.sessions, "INV-C-1003", "77.70")
    client = logged_in(app, "admin")
    url = f"{PAGE}{outcome.proposal_id}/reject"
    for blank in ("", "   "):
        answer = client.post(url, data={"csrf_token": token(client), "reason": blank})
        assert answer.status_code == 400 and "say why the proposal is wrong" in answer.text
    long = client.post(url, data={"csrf_token": token(client), "reason": "x" * 501})
    assert long.status_code == 400 and "longer than 500 characters" in long.text
    answer = client.post(url, data={"csrf_token": token(client), "reason": "paid by a  subsidiary"})
    assert answer.status_code == 302
    decided = stored(hub, outcome.proposal_id)
    assert (decided.status, decided.reject_reason) == ("rejected", "paid by a subsidiary")
    assert last_audit(hub, "cashapp.reject").detail.endswith("rejected by admin (admin) in the console; "
                                                              "reason: paid by a subsidiary")
    assert invoice_state(hub, "INV-C-1003") == (Decimal("77.7000"), "open")
    page = client.get(PAGE + "?status=rejected").text
    assert "reason: paid by a subsidiary" in page


def test_decisions_need_the_csrf_token_and_an_existing_proposal(app, hub):
    outcome = proposal(hub.sessions, "INV-C-1004", "12.34")
    client = logged_in(app, "ar")
    answer = client.post(f"{PAGE}{outcome.proposal_id}/accept")
    assert answer.status_code == 400 and "security token" in answer.text
    assert stored(hub, outcome.proposal_id).status == "proposed"
    missing = client.post(f"{PAGE}999999/reject", data={"csrf_token": token(client), "reason": "no"})
    assert missing.status_code == 404 and "there is no proposal 999999" in missing.text


@pytest.mark.parametrize(("query", "message"), [
    ("?status=maybe", "status must be one of proposed, unmatched"),
    ("?after_id=abc", "after_id must be a whole number"),
    ("bank-lines?before_id=-1", "before_id must be a whole number"),
], ids=["status", "after_id", "before_id"])
def test_bad_query_arguments_are_a_clear_400(app, query, message):
    answer = logged_in(app, "viewer").get(PAGE + query)
    assert answer.status_code == 400 and message in answer.text


def test_unapplied_cash_and_the_proposals_page_on(app, hub, monkeypatch):
    first = proposal(hub.sessions, "INV-C-1005", "901.01")
    second = proposal(hub.sessions, "INV-C-1006", "902.02")
    client = logged_in(app, "viewer")
    page = client.get(PAGE).text
    with hub.sessions() as session:
        waiting = sum(p.amount for p in session.scalars(select(MatchProposal).where(
            MatchProposal.status.in_(("proposed", "rejected", "unmatched")))))
    assert f'<td class="amount">{waiting:,.2f}</td>' in page
    monkeypatch.setattr(cashapp, "PAGE", 1)
    one = client.get(PAGE + f"?after_id={first.proposal_id - 1}").text
    assert f'id="proposal-{first.proposal_id}"' in one and f'id="proposal-{second.proposal_id}"' not in one
    assert f"after_id={first.proposal_id}" in one and "First page" in one
    next_page = client.get(PAGE + f"?after_id={first.proposal_id}").text
    assert f'id="proposal-{second.proposal_id}"' in next_page


def test_bank_lines_show_their_statement_and_what_became_of_them(app, hub):
    outcome = proposal(hub.sessions, "INV-C-1007", "55.55")
    page = logged_in(app, "viewer").get(PAGE + "bank-lines").text
    row = page[page.index('<code>bt-INV-C-1007</code>'):]
    row = row[:row.index("</tr>")]
    assert "STMT-2024-04" in row and "55.55 EUR" in row and "A.C.M.E." in row and payer_iban("bt-INV-C-1007") in row
    assert "proposed" in row and f"proposal #{outcome.proposal_id}" in row


def test_empty_states_say_what_to_do(app):
    page = logged_in(app, "viewer").get(PAGE + "?status=unmatched").text
    assert "No unmatched proposals." in page and "o2c-hub cashapp run" in page


def section(html: str, ident: str) -> str:
    """A candidate's part of the proposal page: from its id to the next candidate (or the end)."""
    start = html.index(f'id="{ident}"')
    end = html.find('<section class="candidate"', start)
    return html[start:end if end > 0 else len(html)]


def test_the_proposal_page_shows_every_candidate_with_invoices_amounts_score_and_reasons(app, hub):
    outcome = twin_proposal(hub.sessions, "INV-C-2001", "INV-C-2002", "1500.00")
    client = logged_in(app, "viewer")
    listing = client.get(PAGE).text
    assert f'href="/console/cash-application/{outcome.proposal_id}">2 candidates: compare and choose</a>' in listing
    page = client.get(f"{PAGE}{outcome.proposal_id}")
    assert page.status_code == 200
    best, second = section(page.text, "candidate-1"), section(page.text, "candidate-2")
    for shown in ("Candidate 1 (the best): score 40", "INV-C-2001", "ACME GmbH", "1,500.00",
                  "amount equals open amount <small class=\"points\">(+35)</small>",
                  "paid within 7 days of the due date <small class=\"points\">(+5)</small>"):
        assert shown in best, shown
    for shown in ("Candidate 2: score 38", "INV-C-2002", "Globex Corporation", "1,500.00",
                  "paid within 30 days of the due date <small class=\"points\">(+3)</small>",
                  'Unapplied: <span class="unapplied">0.00 EUR</span>'):
        assert shown in second, shown
    assert "Accept candidate" not in page.text and "Reject" not in page.text  # a viewer decides nothing
    assert client.get(f"{PAGE}999999").status_code == 404


def test_ar_accepts_the_second_candidate_with_a_reason_and_it_is_applied_and_audited(app, hub):
    outcome = twin_proposal(hub.sessions, "INV-C-2003", "INV-C-2004", "1600.00")
    client = logged_in(app, "ar")
    url = f"{PAGE}{outcome.proposal_id}"
    page = client.get(url).text
    assert 'id="accept-candidate-2"' in page and 'name="candidate" value="2"' in page
    form = {"csrf_token": csrf_of(page), "candidate": "2", "return_to": "proposal"}
    missing = client.post(f"{url}/accept", data=form)
    assert missing.status_code == 400 and "say why candidate 2 is right rather than the best one" in missing.text
    answer = client.post(f"{url}/accept", data={**form, "reason": "Globex's remittance advice names it"})
    assert answer.status_code == 302 and answer.headers["Location"] == url
    shown = client.get(url).text
    assert (f"Proposal {outcome.proposal_id} accepted (candidate 2): payment bt-INV-C-2003 applied "
            "(1,600.00 to INV-C-2004).") in shown
    assert '<span class="status status-accepted">accepted</span>' in section(shown, "candidate-2")
    assert "accepted" not in section(shown, "candidate-1")
    assert "candidate 2, applied 1,600.00 to INV-C-2004; reason: Globex&#39;s remittance advice names it" in shown
    assert invoice_state(hub, "INV-C-2004") == (Decimal("0.0000"), "paid")
    assert invoice_state(hub, "INV-C-2003") == (Decimal("1600.0000"), "open")
    decided = stored(hub, outcome.proposal_id)
    assert (decided.accepted_candidate, decided.invoices, decided.accept_reason) == (
        2, ["INV-C-2004"], "Globex's remittance advice names it")
    assert last_audit(hub, "cashapp.accept").detail == (
        f"cash application proposal {outcome.proposal_id} (bank_transaction bt-INV-C-2003, candidate 2) accepted by "
        "ar (ar) in the console: applied 1,600.00 to INV-C-2004; reason: Globex's remittance advice names it")


@pytest.mark.parametrize("candidate, amount, message", [
    ("0", "1701.00", "candidate must be a whole number from 1 (the best), not &#39;0&#39;"),
    ("two", "1702.00", "candidate must be a whole number from 1 (the best), not &#39;two&#39;"),
    ("3", "1703.00", "has 2 candidates: choose 1 to 2, not 3"),
], ids=["zero", "text", "no such candidate"])
def test_a_candidate_the_proposal_does_not_have_is_a_clear_400(app, hub, candidate, amount, message):
    outcome = twin_proposal(hub.sessions, f"INV-C-{amount[:4]}1", f"INV-C-{amount[:4]}2", amount)
    client = logged_in(app, "ar")
    answer = client.post(f"{PAGE}{outcome.proposal_id}/accept",
                         data={"csrf_token": token(client), "candidate": candidate, "reason": "r"})
    assert answer.status_code == 400 and message in answer.text
    assert stored(hub, outcome.proposal_id).status == "proposed"


def test_bank_lines_filter_by_state_and_statement(app, hub):
    outcome = proposal(hub.sessions, "INV-C-2201", "44.44")
    client = logged_in(app, "viewer")
    proposed = client.get(PAGE + "bank-lines?state=proposed").text
    assert "<code>bt-INV-C-2201</code>" in proposed
    assert f'href="/console/cash-application/{outcome.proposal_id}">proposal #{outcome.proposal_id}</a>' in proposed
    assert "<code>bt-INV-C-2201</code>" not in client.get(PAGE + "bank-lines?state=accepted").text
    other = client.get(PAGE + "bank-lines?statement=STMT-1999-01").text
    assert "No bank lines of statement STMT-1999-01." in other
    assert "<code>bt-INV-C-2201</code>" in client.get(PAGE + "bank-lines?statement=STMT-2024-04").text
    wrong = client.get(PAGE + "bank-lines?state=lost")
    assert wrong.status_code == 400 and "state must be one of waiting, proposed" in wrong.text


_ROUND = itertools.count(1620)  # each case its own amount: the store is the module's


def allocation_form(page: str, rows: list[tuple[str, str]], reason: str | None = "split as the remittance advice says"):
    form = {"csrf_token": csrf_of(page), "return_to": "proposal"}
    for n, (invoice, amount) in enumerate(rows, 1):
        form[f"invoice_{n}"], form[f"amount_{n}"] = invoice, amount
    return {**form, "reason": reason} if reason is not None else form


def test_ar_allocates_a_payment_over_two_invoices_and_the_rest_is_credit_audited(app, hub):
    outcome = twin_proposal(hub.sessions, "INV-C-3001", "INV-C-3002", "1611.00")
    client = logged_in(app, "ar")
    url = f"{PAGE}{outcome.proposal_id}"
    page = client.get(url).text
    assert 'id="allocate-form"' in page and 'name="invoice_5"' in page
    answer = client.post(f"{url}/allocate", data=allocation_form(
        page, [("INV-C-3001", "1000.00"), ("", ""), (" INV-C-3002 ", "500")]))
    assert answer.status_code == 302 and answer.headers["Location"] == url
    shown = client.get(url).text
    assert (f"Proposal {outcome.proposal_id} accepted (your allocation): payment bt-INV-C-3001 applied "
            "(1,000.00 to INV-C-3001, 500.00 to INV-C-3002). 111.00 kept as customer credit.") in shown
    assert "an allocation of their own, applied 1,000.00 to INV-C-3001, 500.00 to INV-C-3002" in shown
    assert 'id="allocate-form"' not in shown  # decided: no form any more
    assert invoice_state(hub, "INV-C-3001") == (Decimal("611.0000"), "partially_paid")
    assert invoice_state(hub, "INV-C-3002") == (Decimal("1111.0000"), "partially_paid")
    decided = stored(hub, outcome.proposal_id)
    assert (decided.status, decided.accepted_candidate, decided.invoices) == ("accepted", None, ["INV-C-3001", "INV-C-3002"])
    assert last_audit(hub, "cashapp.accept").detail == (
        f"cash application proposal {outcome.proposal_id} (bank_transaction bt-INV-C-3001, an allocation of their "
        "own) accepted by ar (ar) in the console: applied 1,000.00 to INV-C-3001, 500.00 to INV-C-3002; "
        "reason: split as the remittance advice says")


@pytest.mark.parametrize("rows, reason, message", [
    ([], "r", "name at least one invoice and the amount of the payment to apply to it"),
    ([("INV-C-{n}1", "")], "r", "row 1 of the allocation: give both the invoice number and the amount"),
    ([("", "10.00")], "r", "row 1 of the allocation: give both the invoice number and the amount"),
    ([("INV-C-{n}1", "1,000.00")], "r", "the amount must be a number such as 120.50"),
    ([("INV-C-{n}1", "10.001")], "r", "EUR amounts have 2 decimals"),
    ([("INV-C-{n}1", "-5")], "r", "the amount must be more than 0"),
    ([("INV-C-{n}1", "1000.00"), ("INV-C-{n}1", "1.00")], "r", "is in the allocation more than once"),
    ([("INV-C-{n}1", "1000.00"), ("INV-C-{n}2", "900.00")], "r", "more than the payment of"),
    ([("NO-SUCH-INVOICE", "10.00")], "r", "there is no invoice NO-SUCH-INVOICE"),
    ([("INV-C-{n}1", "10.00")], None, "say why the payment is allocated this way"),
], ids=["empty", "no-amount", "no-invoice", "thousands-separator", "too-many-decimals", "negative", "twice",
        "over-payment", "unknown-invoice", "no-reason"])
def test_an_allocation_that_breaks_a_rule_is_a_clear_400_and_changes_nothing(app, hub, rows, reason, message):
    n = str(next(_ROUND))
    outcome = twin_proposal(hub.sessions, f"INV-C-{n}1", f"INV-C-{n}2", f"{n}.00")
    client = logged_in(app, "ar")
    url = f"{PAGE}{outcome.proposal_id}"
    rows = [(invoice.format(n=n), amount) for invoice, amount in rows]
    answer = client.post(f"{url}/allocate", data=allocation_form(client.get(url).text, rows, reason))
    assert answer.status_code == 400 and message in answer.text, answer.text[-600:]
    assert stored(hub, outcome.proposal_id).status == "proposed"
    assert invoice_state(hub, f"INV-C-{n}1") == (Decimal(f"{n}.0000"), "open")


def test_a_viewer_cannot_allocate_and_the_form_needs_its_csrf_token(app, hub):
    outcome = twin_proposal(hub.sessions, "INV-C-3101", "INV-C-3102", "1612.00")
    url = f"{PAGE}{outcome.proposal_id}"
    viewer = logged_in(app, "viewer")
    assert 'id="allocate-form"' not in viewer.get(url).text
    form = allocation_form(viewer.get(PAGE).text, [("INV-C-3101", "10.00")])
    assert viewer.post(f"{url}/allocate", data=form).status_code == 403
    ar = logged_in(app, "ar")
    assert ar.post(f"{url}/allocate", data={**form, "csrf_token": "forged"}).status_code == 400
    assert stored(hub, outcome.proposal_id).status == "proposed"

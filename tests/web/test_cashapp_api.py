"""The cash-application API: proposals with their candidate sets, paged for real; accepting any
candidate or an allocation of one's own (audited), refused clearly when wrong; and bank lines
with their statement and state. Every answer is checked against hub/web/openapi.yaml."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import simplejson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from hub import jsonutil
from hub.o2c.cashapp.service import CashApplication
from hub.store.o2c import Invoice
from hub.store.o2c_cash import MatchProposal
from hub.store.platform import AuditEntry
from hub.store.upsert import upsert
from hub.web import create_app
from hub.web.openapi import document
from tests.console.ar_seed import bank_line, payer_iban, proposal, twin_proposal

AUTH = {"Authorization": "Bearer unit-admin-token"}
PROPOSALS = "/api/v1/cash-application/proposals"


def conforms(answer, schema: str, listed: str | None = None) -> dict:
    """The answer's JSON, after checking it (or each item of its ``listed`` array) against
    ``schema`` of the OpenAPI document."""
    body = jsonutil.loads(answer.get_data(as_text=True))
    spec = {"$ref": f"#/components/schemas/{schema}", "components": document()["components"]}
    for item in body[listed] if listed else [body]:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(spec).iter_errors(item)]
        assert errors == [], errors
    return body


@pytest.fixture
def hub(make_hub):
    return make_hub({}, {})


@pytest.fixture
def client(hub):
    return create_app(hub).test_client()


def invoice_status(hub, number: str) -> str:
    with hub.sessions() as session:
        return session.scalar(select(Invoice.status).where(Invoice.number == number))


def audit_details(hub, kind: str) -> list[str]:
    with hub.sessions() as session:
        return list(session.scalars(select(AuditEntry.detail).where(AuditEntry.kind == kind).order_by(AuditEntry.id)))


def test_the_list_pages_with_a_next_link_until_the_last_page(hub, client):
    made = [proposal(hub.sessions, f"INV-P-{n}", f"{100 + n}.00").proposal_id for n in range(5)]
    seen, url = [], f"{PROPOSALS}?status=all&limit=2"
    while url:
        answer = client.get(url, headers=AUTH)
        assert answer.status_code == 200
        page = conforms(answer, "Proposal", "proposals")
        assert len(page["proposals"]) <= 2
        seen += [p["id"] for p in page["proposals"]]
        url = page["next"]
    assert seen == made
    first = client.get(f"{PROPOSALS}?status=all&limit=2", headers=AUTH).get_json()
    assert first["next"] == f"{PROPOSALS}?status=all&limit=2&after_id={made[1]}"
    last = client.get(f"{PROPOSALS}?status=all&limit=2&after_id={made[3]}", headers=AUTH).get_json()
    assert ([p["id"] for p in last["proposals"]], last["next"]) == ([made[4]], None)


@pytest.mark.parametrize("query, message", [
    ("?status=all&limit=5000", "limit must be a whole number from 1 to 1000, not '5000'"),
    ("?status=all&limit=0", "limit must be a whole number from 1 to 1000, not '0'"),
    ("?status=all&offset=10", "offset is not supported: page with after_id, as the answer's next link does"),
    ("?status=maybe", "status must be one of proposed, auto_applied, accepted, rejected, unmatched, all"),
    ("?after_id=-3", "after_id must be a whole number from 1 to 9223372036854775807, not '-3'"),
], ids=["limit over the maximum", "limit zero", "offset", "status", "after_id"])
def test_bad_paging_is_a_clear_400(client, query, message):
    answer = client.get(PROPOSALS + query, headers=AUTH)
    assert (answer.status_code, answer.get_json()) == (400, {"error": message})


def test_list_and_detail_give_every_candidate_with_amounts_and_reasons(hub, client):
    made = twin_proposal(hub.sessions, "INV-W-1", "INV-W-2", "777.77")
    page = conforms(client.get(PROPOSALS, headers=AUTH), "Proposal", "proposals")
    (summary,) = [p for p in page["proposals"] if p["id"] == made.proposal_id]
    answer = client.get(f"{PROPOSALS}/{made.proposal_id}", headers=AUTH)
    assert answer.status_code == 200
    detail = conforms(answer, "Proposal")
    assert detail == summary
    first, second = detail["candidates"]
    assert [i["number"] for i in first["invoices"]] == ["INV-W-1"] and first["score"] == 40
    assert second["invoices"] == [{"number": "INV-W-2", "customer_id": 2, "open": Decimal("777.77"),
                                   "applied": Decimal("777.77"), "discount": Decimal("0.00"),
                                   "write_off": Decimal("0.00"), "left_open": Decimal("0.00")}]
    assert (second["rank"], second["score"], second["total_applied"], second["unapplied"]) == (
        2, 38, Decimal("777.77"), Decimal("0.00"))
    assert second["reasons"] == [{"signal": "amount", "points": 35, "text": "amount equals open amount"},
                                 {"signal": "due_date", "points": 3, "text": "paid within 30 days of the due date"}]
    missing = client.get(f"{PROPOSALS}/999999", headers=AUTH)
    assert (missing.status_code, missing.get_json()) == (404, {"error": "there is no proposal 999999"})


def test_accepting_the_second_candidate_applies_it_and_is_audited_with_the_reason(hub, client):
    made = twin_proposal(hub.sessions, "INV-X-1", "INV-X-2", "555.55")
    answer = client.post(f"{PROPOSALS}/{made.proposal_id}/accept", headers=AUTH,
                         json={"candidate": 2, "reason": "Globex  paid it, says their advice"})
    assert answer.status_code == 200, answer.get_json()
    outcome = conforms(answer, "Outcome")
    assert (outcome["status"], outcome["invoices"]) == ("accepted", ["INV-X-2"])
    assert (invoice_status(hub, "INV-X-2"), invoice_status(hub, "INV-X-1")) == ("paid", "open")
    assert audit_details(hub, "cashapp.accept") == [
        f"cash application proposal {made.proposal_id} (bank_transaction bt-INV-X-1, candidate 2) accepted by "
        "admin API: applied 555.55 to INV-X-2; reason: Globex paid it, says their advice"]
    shown = conforms(client.get(f"{PROPOSALS}/{made.proposal_id}", headers=AUTH), "Proposal")
    assert (shown["status"], shown["accepted_candidate"], shown["invoices"], shown["accept_reason"]) == (
        "accepted", 2, ["INV-X-2"], "Globex paid it, says their advice")
    again = client.post(f"{PROPOSALS}/{made.proposal_id}/accept", headers=AUTH, json={"candidate": 1})
    assert again.status_code == 409 and "only a proposed match can be decided" in again.get_json()["error"]


def test_an_allocation_of_ones_own_through_the_api(hub, client):
    made = twin_proposal(hub.sessions, "INV-Y-1", "INV-Y-2", "300.00")
    body = {"allocation": [{"invoice": "INV-Y-1", "amount": 200}, {"invoice": "INV-Y-2", "amount": "90.50"}],
            "reason": "the customer's e-mail splits it"}
    answer = client.post(f"{PROPOSALS}/{made.proposal_id}/accept", headers=AUTH, json=body)
    assert answer.status_code == 200, answer.get_json()
    outcome = conforms(answer, "Outcome")
    assert [(a["invoice"], a["amount"]) for a in outcome["applications"]] == [
        ("INV-Y-1", Decimal("200.00")), ("INV-Y-2", Decimal("90.50"))]
    assert outcome["credit"] == Decimal("9.50")
    assert (invoice_status(hub, "INV-Y-1"), invoice_status(hub, "INV-Y-2")) == ("partially_paid", "partially_paid")
    (line,) = audit_details(hub, "cashapp.accept")
    assert line.endswith("(bank_transaction bt-INV-Y-1, an allocation of their own) accepted by admin API: applied "
                         "200.00 to INV-Y-1, 90.50 to INV-Y-2; reason: the customer's e-mail splits it")
    shown = conforms(client.get(f"{PROPOSALS}/{made.proposal_id}", headers=AUTH), "Proposal")
    assert (shown["accepted_candidate"], shown["allocation"]["fit"]) == (None, "manual")


@pytest.mark.parametrize("body, status, message", [
    (b'{"candidate": 2}', 400, "say why candidate 2 is right rather than the best one (a reason)"),
    (b'{"candidate": 3, "reason": "r"}', 400, "has 2 candidates: choose 1 to 2, not 3"),
    (b'{"candidate": "2", "reason": "r"}', 400,
     "candidate must be a whole number from 1 (the best) to the number of candidates"),
    (b'{"candidate": 2.0, "reason": "r"}', 400,
     "candidate must be a whole number from 1 (the best) to the number of candidates"),
    (b'{"candidate": 1, "allocation": []}', 400, "send candidate or allocation, not both"),
    (b'{"candidates": 1}', 400, "unknown field candidates: an accept takes candidate or allocation, and reason"),
    (b'{"reason": 5}', 400, "reason must be text"),
    (b'{"allocation": [{"invoice": "INV-Z-1", "amount": "10.001"}], "reason": "r"}', 400,
     "line 1 (INV-Z-1): EUR amounts have 2 decimals, not 10.001"),
    (b'{"allocation": [{"invoice": "INV-Z-1", "amount": 900}], "reason": "r"}', 400,
     "900.00 EUR is more than the 321.00 EUR open on invoice INV-Z-1"),
    (b'{"allocation": [{"invoice": "INV-Z-1", "amount": 321}, {"invoice": "INV-Z-2", "amount": 1}], "reason": "r"}',
     400, "the allocation applies 322.00 EUR, more than the payment of 321.00 EUR"),
    (b'[1]', 400, "the body must be a JSON object, not an array"),
], ids=["no reason", "no such candidate", "candidate text", "candidate fraction", "both", "unknown field",
        "reason not text", "decimals", "above open", "above payment", "not an object"])
def test_a_wrong_accept_is_a_clear_400_and_applies_nothing(hub, client, body, status, message):
    made = twin_proposal(hub.sessions, "INV-Z-1", "INV-Z-2", "321.00")
    answer = client.post(f"{PROPOSALS}/{made.proposal_id}/accept", headers={**AUTH, "Content-Type": "application/json"},
                         data=body)
    assert answer.status_code == status
    assert message in answer.get_json()["error"]
    assert (invoice_status(hub, "INV-Z-1"), invoice_status(hub, "INV-Z-2")) == ("open", "open")
    assert audit_details(hub, "cashapp.accept") == []


def bank_lines_seeded(hub) -> dict[str, int]:
    """A proposal (STMT-2024-04), an accepted one, a waiting credit and a debit (STMT-2024-05)."""
    proposed = proposal(hub.sessions, "INV-L-1", "61.00").proposal_id
    accepted = proposal(hub.sessions, "INV-L-2", "62.00").proposal_id
    with hub.sessions.begin() as session:
        CashApplication(session).accept(accepted, who="ops")
        waiting = bank_line("bt-waiting", "63.00", on=date(2024, 5, 2), statement="STMT-2024-05")
        debit = {**bank_line("bt-fee", "-2.50", on=date(2024, 5, 3), statement="STMT-2024-05"),
                 "bank_reference": "FEE-0503", "source_format": "camt.053.001.02"}
        upsert(session, "bank_transaction", waiting)
        upsert(session, "bank_transaction", debit)
    return {"proposed": proposed, "accepted": accepted}


def test_bank_lines_with_their_statement_entry_and_state(hub, client):
    ids = bank_lines_seeded(hub)
    answer = client.get("/api/v1/bank-lines", headers=AUTH)
    assert answer.status_code == 200
    body = conforms(answer, "BankLine", "bank_lines")
    states = {line["reference"]: (line["state"], line["proposal_id"], line["statement"]["id"])
              for line in body["bank_lines"]}
    assert states == {"bt-INV-L-1": ("proposed", ids["proposed"], "STMT-2024-04"),
                      "bt-INV-L-2": ("accepted", ids["accepted"], "STMT-2024-04"),
                      "bt-waiting": ("waiting", None, "STMT-2024-05"), "bt-fee": ("debit", None, "STMT-2024-05")}
    fee = next(line for line in body["bank_lines"] if line["reference"] == "bt-fee")
    assert (fee["statement"]["format"], fee["statement"]["account"]["id"], fee["entry"]["bank_reference"],
            fee["booking_date"], fee["amount"]) == ("camt.053.001.02", "DE02120300000000202051", "FEE-0503",
                                                   "2024-05-03", Decimal("-2.50"))
    assert fee["counterparty"] == {"name": "A.C.M.E.", "iban": payer_iban("bt-fee")}
    assert [line["reference"] for line in body["bank_lines"]] == ["bt-fee", "bt-waiting", "bt-INV-L-2", "bt-INV-L-1"]


@pytest.mark.parametrize("query, references", [
    ("?state=waiting", ["bt-waiting"]),
    ("?state=debit", ["bt-fee"]),
    ("?state=accepted", ["bt-INV-L-2"]),
    ("?statement=STMT-2024-04", ["bt-INV-L-2", "bt-INV-L-1"]),
    ("?statement=STMT-2024-05&state=proposed", []),
    ("?account=DE02120300000000202051&limit=3", ["bt-fee", "bt-waiting", "bt-INV-L-2"]),
], ids=["waiting", "debit", "accepted", "statement", "statement and state", "account"])
def test_bank_lines_filter_by_state_statement_and_account(hub, client, query, references):
    bank_lines_seeded(hub)
    answer = client.get("/api/v1/bank-lines" + query, headers=AUTH)
    assert [line["reference"] for line in answer.get_json()["bank_lines"]] == references


def test_bank_lines_page_on_with_next_and_refuse_bad_filters(hub, client):
    bank_lines_seeded(hub)
    seen, url = [], "/api/v1/bank-lines?limit=3&statement=STMT-2024-04"
    first = client.get("/api/v1/bank-lines?limit=3", headers=AUTH).get_json()
    assert first["next"].startswith("/api/v1/bank-lines?limit=3&before_id=")
    rest = client.get(first["next"], headers=AUTH).get_json()
    assert [line["reference"] for line in first["bank_lines"] + rest["bank_lines"]] == [
        "bt-fee", "bt-waiting", "bt-INV-L-2", "bt-INV-L-1"]
    assert rest["next"] is None
    while url:
        page = client.get(url, headers=AUTH).get_json()
        seen += [line["reference"] for line in page["bank_lines"]]
        url = page["next"]
    assert seen == ["bt-INV-L-2", "bt-INV-L-1"]
    for query, message in (("?state=lost", "state must be one of waiting, proposed"),
                           ("?limit=501", "limit must be a whole number from 1 to 500"),
                           ("?statement=" + "x" * 201, "statement is longer than 200 characters")):
        answer = client.get("/api/v1/bank-lines" + query, headers=AUTH)
        assert answer.status_code == 400 and message in answer.get_json()["error"]


ACCEPT_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.decimals(allow_nan=True, allow_infinity=True), st.text(max_size=12),
              st.sampled_from(["INV-F-01", "INV-F-02", "10.00", "0.001", "1e999999", "-1", "NaN", "\u0000"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["invoice", "amount", "candidate", "x"]), inner,
                                            max_size=3)), max_leaves=8)


@settings(max_examples=150, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.dictionaries(st.sampled_from(["candidate", "allocation", "reason"]), ACCEPT_VALUES, max_size=3))
def test_no_accept_body_is_a_server_error(hub, client, body):
    with hub.sessions() as session:
        waiting = session.scalar(select(MatchProposal.id).where(MatchProposal.status == "proposed"))
        made = session.scalar(select(func.count()).select_from(MatchProposal))
    if waiting is None:  # the one before was accepted: a new one, of a new amount
        waiting = twin_proposal(hub.sessions, f"INV-F-{made}1", f"INV-F-{made}2", f"{100 + made}.45").proposal_id
    answer = client.post(f"{PROPOSALS}/{waiting}/accept", headers={**AUTH, "Content-Type": "application/json"},
                         data=simplejson.dumps(body, use_decimal=True, allow_nan=True))  # NaN, Infinity too
    assert answer.status_code in (200, 400), (body, answer.get_data(as_text=True))

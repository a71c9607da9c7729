"""Invoice delivery end to end: the bundled invoice-delivery recipe in a real hub process polls
an ERP's invoices over HTTP and e-mails each posted invoice and credit note to its customer
through a real SMTP server (aiosmtpd), exactly once, with the UBL and the HTML copy attached.

The ERP is a small JSON endpoint serving canonical invoices as the ERP connectors' `invoices`
resource reports them (totals only, credit notes negative), read by the http connector; the
recipe is the shipped one with a one-second poll. It starts at `now`, so the invoices a test
posts are stamped with the time it posts them, after the hub process started.
"""

from __future__ import annotations

import copy
import hashlib
import time
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, jsonify
from lxml import etree

from connectors.sandbox import serve
from tests.connectors.email.test_email_connector import Inbox, _free_port
from tests.o2c.einvoice.test_delivery import erp_credit_note, erp_invoice
from tests.o2c.einvoice.test_einvoice import SELLER, ubl_schemas  # noqa: F401
from tests.support.flows import bundled_recipe
from tests.support.hubproc import HubProcess

RECIPE = "invoice-delivery"


def version(record: dict, seconds: float = 0) -> dict:
    """``record`` as changed in the ERP now (plus ``seconds``)."""
    stamp = (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()
    return {**record, "external_refs": [{**record["external_refs"][0], "version": stamp}]}


def json_ready(record: dict) -> dict:
    return {k: str(v) if not isinstance(v, (dict, list, str)) else v for k, v in record.items()}


@pytest.fixture
def ledger():
    """The ERP's invoice list, changed by the test while the hub polls it."""
    invoices: dict[str, dict] = {}
    app = Flask("ledger")

    @app.get("/invoices")
    def listed():
        return jsonify([json_ready(copy.deepcopy(r)) for r in invoices.values()])

    with serve(app) as server:
        server.invoices = invoices
        yield server


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()


def start_hub(tmp_path, ledger, smtp, slack) -> HubProcess:
    connections = {
        "ledger": {"connector": "http", "base_url": ledger.url, "timeout": 5, "resources": {"invoices": {
            "path": "/invoices", "record_path": "", "id_field": "external_refs.0.id",
            "updated_field": "external_refs.0.version", "since_param": None}}},
        "mail": {"connector": "email", "host": "127.0.0.1", "port": smtp.port, "timeout": 5,
                 "from": "Hub Trading GmbH <ar@hub.example>", "seller": SELLER},
    }
    proc = HubProcess(tmp_path, erp_url=ledger.url, slack_url=slack.url, connections=connections,
                      recipes={"invoice-delivery.yaml": bundled_recipe("invoice-delivery.yaml")})
    proc.start()
    return proc


@pytest.fixture
def hub(tmp_path, ledger, smtp, slack):
    proc = start_hub(tmp_path, ledger, smtp, slack)
    yield proc
    proc.stop()


def runs(hub) -> list[dict]:
    return hub.api("GET", "/runs", params={"recipe": RECIPE, "limit": 100}).json()["runs"]


def wait_for(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def settled(hub, count: int) -> list[dict]:
    def done():
        found = runs(hub)
        return found if len(found) >= count and all(r["status"] in ("succeeded", "dead") for r in found) else None
    return wait_for(done, f"{count} finished runs of {RECIPE}")


def delivered_step(hub, run_id: int) -> dict:
    """The run's delivered step ({} when a filter ended the run before it)."""
    steps = [s for s in hub.api("GET", f"/runs/{run_id}").json()["steps"] if s["step"] == "delivered"]
    return steps[-1] if steps else {}


def test_each_posted_invoice_is_emailed_once_with_its_documents(hub, ledger, smtp, slack, ubl_schemas):  # noqa: F811
    posted, note = version(erp_invoice(), 1), version(erp_credit_note(), 2)
    note["external_refs"][0]["id"] = "43"
    draft = version(erp_invoice(number="draft-44", status="draft"))
    draft["external_refs"][0]["id"] = "44"
    ledger.invoices.update({"42": posted, "43": note, "44": draft})

    first = settled(hub, 3)
    assert sorted(r["status"] for r in first) == ["succeeded"] * 3
    assert len(smtp.inbox.messages) == 2
    by_subject = {m["Subject"]: m for m in smtp.inbox.messages}
    assert set(by_subject) == {"Invoice INV/2024/0042 from Hub Trading GmbH",
                               "Credit note CN/2024/0007 from Hub Trading GmbH"}
    assert sorted(rcpts for _, rcpts in smtp.inbox.envelopes) == [["ap@acme.example"]] * 2

    message = by_subject["Invoice INV/2024/0042 from Hub Trading GmbH"]
    parts = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in message.iter_attachments()]
    assert [(name, kind) for name, kind, _ in parts] == [("INV-2024-0042.xml", "application/xml"),
                                                         ("INV-2024-0042.html", "text/html")]
    assert ubl_schemas["invoice"].validate(etree.fromstring(parts[0][2])), ubl_schemas["invoice"].error_log
    note_xml = next(by_subject["Credit note CN/2024/0007 from Hub Trading GmbH"].iter_attachments()).get_payload(decode=True)
    assert ubl_schemas["credit_note"].validate(etree.fromstring(note_xml))

    # the run keeps what was sent: recipient, subject, names, sizes and digests, not the text
    steps = {r["id"]: delivered_step(hub, r["id"]) for r in first}
    assert sorted(s.get("status", "filtered") for s in steps.values()) == ["filtered", "succeeded", "succeeded"]
    [run] = [r for r in first if (steps[r["id"]].get("output") or {}).get("invoice") == "INV/2024/0042"]
    output = delivered_step(hub, run["id"])["output"]
    assert output["to"] == ["ap@acme.example"] and output["subject"] == message["Subject"]
    assert output["message_id"] == message["Message-ID"]
    assert output["attachments"] == [{"filename": name, "content_type": kind, "size": len(data),
                                      "sha256": hashlib.sha256(data).hexdigest()} for name, kind, data in parts]
    assert "please find attached" not in str(output)

    # paid in the ERP: a new version, a new run, and the delivery is reused; so is a replay
    ledger.invoices["42"] = version({**posted, "status": "paid", "amount_due": "0.00"}, 5)
    later = settled(hub, 4)
    [paid_run] = [r for r in later if r["id"] not in {f["id"] for f in first}]
    assert paid_run["status"] == "succeeded" and delivered_step(hub, paid_run["id"])["status"] == "reused"
    replayed = hub.api("POST", f"/runs/{run['id']}/replay")
    assert replayed.status_code == 202
    new_id = replayed.json()["run_id"]
    assert hub.wait_run(new_id)["status"] == "succeeded"
    assert delivered_step(hub, new_id)["status"] == "reused"
    time.sleep(2.5)  # two more polls of the same versions
    assert len(runs(hub)) == 5 and len(smtp.inbox.messages) == 2
    assert slack.state.messages == []


def test_an_invoice_without_customer_email_is_dead_lettered_with_one_alert(hub, ledger, smtp, slack):
    missing = version(erp_invoice(number="INV/2024/0050", customer={"name": "Nomail Ltd"}))
    missing["external_refs"][0]["id"] = "50"
    ledger.invoices["50"] = missing

    [run] = settled(hub, 1)
    assert run["status"] == "dead" and run["attempt"] == 1  # a FatalError: no retries
    assert "invoice INV/2024/0050 has no billing e-mail (customer.email is empty)" in run["error_message"]
    wait_for(lambda: slack.state.messages, "the alert")
    time.sleep(1.5)
    [alert] = slack.state.messages
    text = alert["message"]["text"]
    assert text.startswith("Invoice INV/2024/0050 was not e-mailed to the customer: ")
    assert "add the customer's billing contact e-mail in the ERP and replay this run" in text
    assert smtp.inbox.messages == []


def test_invoices_posted_before_the_recipe_was_first_loaded_are_not_emailed(tmp_path, ledger, smtp, slack):
    old = version(erp_invoice(number="INV/2024/0040"), -1)
    old["external_refs"][0]["id"] = "40"
    ledger.invoices["40"] = old
    hub = start_hub(tmp_path, ledger, smtp, slack)
    try:
        ledger.invoices["42"] = version(erp_invoice())
        [run] = settled(hub, 1)
        assert run["status"] == "succeeded"
        assert [m["Subject"] for m in smtp.inbox.messages] == ["Invoice INV/2024/0042 from Hub Trading GmbH"]
        time.sleep(2.5)  # more polls: the older invoice stays unsent
        assert len(runs(hub)) == 1 and len(smtp.inbox.messages) == 1
    finally:
        hub.stop()

"""Credit hold end to end: a real hub process, signed webhooks, the ERP and Slack sandboxes over
real sockets. An order over its customer's limit is held and announced on Slack, approved with
a reason through the admin API, then reaches the ERP; its 360° view names every source."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from hub import STARTER, jsonutil
from hub.store.base import make_engine, make_sessionmaker
from hub.store.upsert import upsert
from tests.e2e.conftest import FAST_RETRY
from tests.support.hubproc import HubProcess

ORDER = {**jsonutil.loads((STARTER / "samples" / "order-created.json").read_bytes()), "financial_status": "pending"}

def credit_recipe() -> str:
    """The bundled credit-checked import, started by storefront webhooks, with quick retries."""
    text = (STARTER / "recipes" / "order-with-credit-check.yaml").read_text()
    text = text.replace("trigger:\n  manual: {}", "trigger:\n  webhook: {connection: shop, topic: orders/create}")
    return re.sub(r"^retry: .*$", FAST_RETRY, text, flags=re.MULTILINE)


@pytest.fixture
def hub(tmp_path: Path, erp, slack):
    proc = HubProcess(tmp_path, erp_url=erp.url, slack_url=slack.url, recipes={"order.yaml": credit_recipe()})
    proc.start()
    yield proc
    proc.stop()


def store(hub: HubProcess, entity: str, record: dict, ref: tuple[str, str]) -> None:
    """Write a canonical record into the running hub's database, as an import recipe would."""
    engine = make_engine(f"sqlite:///{hub.workdir / 'hub.db'}")
    with make_sessionmaker(engine).begin() as session:
        upsert(session, entity, record, ref=ref)
    engine.dispose()


def test_an_order_over_its_limit_is_held_announced_approved_and_then_reaches_the_erp(hub, erp, slack):
    store(hub, "customer", {"email": "maria.lopez@example.org", "currency": "EUR", "credit_limit": "100.00"},
          ("erp", "C-7"))
    run_id = hub.post_order(ORDER).json()["runs"][0]

    held = hub.wait_run(run_id, statuses=("held", "succeeded", "dead"))
    assert held["status"] == "held", held
    assert held["error_class"] == "Held"
    assert [r for r in erp.state.requests if r["path"] == "/erp/orders"] == []
    (notice,) = slack.state.messages
    text = notice["message"]["text"]
    assert text.startswith("Order 1042 for maria.lopez@example.org (141.37 EUR) is on credit hold: "
                           "exposure 141.37 EUR exceeds the limit 100.00 + 5% tolerance (105.00).")
    assert f"{hub.url}/api/v1/runs/{run_id}" in text

    waiting = jsonutil.loads(hub.api("GET", "/credit/held").content)["checks"]
    assert [(c["order"], c["decision"], c["fired"], c["exposure"]) for c in waiting] == [
        ("1042", "held", ["credit_limit"], Decimal("141.37"))]
    assert hub.api("POST", "/credit/1042/approve", json={}).status_code == 400
    approved = hub.api("POST", "/credit/1042/approve", json={"reason": "long-standing customer", "by": "ana"})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["decision"], approved.json()["decided_by"]) == ("approved", "ana")
    with closing(sqlite3.connect(hub.workdir / "hub.db")) as db:
        audited = db.execute("SELECT kind, detail FROM audit_log WHERE kind LIKE 'credit.%'").fetchall()
    assert audited == [("credit.approve", "order 1042 approved by ana (admin API); reason: long-standing customer")]

    done = hub.wait_run(run_id)
    assert done["status"] == "succeeded", done
    (sent,) = [r for r in erp.state.requests if r["path"] == "/erp/orders"]
    assert sent["json"]["order_number"] == "1042"
    assert slack.state.messages[-1]["message"]["text"].endswith("(credit approved by ana).")

    store(hub, "invoice", {"number": "INV-9", "order_number": "1042", "currency": "EUR", "total": "141.37",
                           "amount_due": "141.37", "status": "open", "customer": {"email": "maria.lopez@example.org"},
                           "lines": [{"sku": "TEA-GREEN-250", "quantity": "3"}, {"sku": "POT-CAST-1L", "quantity": "1"}]},
          ("erp", "inv-9"))
    view = hub.api("GET", "/orders/820982911946154508/360").json()
    assert view["order"] == "1042" and view["status"] == "invoiced"
    steps = [(e["kind"], e["sources"], e.get("decision")) for e in view["timeline"]]
    # the held check, resolved by ana, then the re-check of the released run
    assert steps == [("order", ["shop"], None), ("credit_check", ["hub"], "approved"),
                     ("credit_check", ["hub"], "approved"), ("invoice", ["erp"], None)]
    first, again = view["timeline"][1], view["timeline"][2]
    assert first["fired"] == ["credit_limit"] and first["decided_by"] == "ana"
    assert again["decided_by"] == "ana" and again["reason"] == "long-standing customer"

    shown = hub.cli("order", "show", "1042")
    assert "credit_check" in shown.stdout and "[shop]" in shown.stdout

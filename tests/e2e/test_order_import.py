"""The bundled order import, end to end: a real hub process, signed webhooks over HTTP, the
ERP and Slack sandboxes over real sockets."""

from __future__ import annotations

import copy
import json
import sqlite3
import time
from decimal import Decimal

import pytest

from hub import STARTER, jsonutil
from tests.e2e.conftest import order_recipe
from tests.support.hubproc import ADMIN_TOKEN, SHOP_SECRET

ORDER = jsonutil.loads((STARTER / "samples" / "order-created.json").read_bytes())

EXPECTED_ERP_DOCUMENT = {
    "order_number": "1042",
    "external_id": "820982911946154508",
    "customer_email": "maria.lopez@example.org",
    "currency": "EUR",
    "lines": [
        {"sku": "TEA-GREEN-250", "qty": 3, "unit_price": Decimal("12.90")},
        {"sku": "POT-CAST-1L", "qty": 1, "unit_price": Decimal("80.10")},
    ],
    "total": Decimal("141.37"),
}


def erp_orders(erp) -> list[dict]:
    return [r for r in erp.state.requests if r["path"] == "/erp/orders"]


def erp_hits(erp) -> list[dict]:
    return [h for h in erp.state.hits if h["path"] == "/erp/orders"]


def eventually(condition, what: str, timeout: float = 60):
    """Poll ``condition()`` until it is truthy (a loaded machine may take its time)."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def db_rows(hub, sql: str) -> list[tuple]:
    with sqlite3.connect(hub.workdir / "hub.db") as conn:
        return conn.execute(sql).fetchall()


def test_signed_webhook_imports_the_order_once(hub, erp, slack):
    response = hub.post_order(ORDER, delivery_id="delivery-1")
    assert response.status_code == 202, response.text
    (run_id,) = response.json()["runs"]

    run = hub.wait_run(run_id)
    assert run["status"] == "succeeded", run
    assert [s["step"] for s in run["steps"]] == ["not_test", "order", "adds_up", "saved", "erp_order", "told"]
    assert {s["status"] for s in run["steps"]} == {"succeeded"}
    assert run["recipe_hash"] and run["event"]["dedupe_key"] == "webhook:shop:delivery-1"

    (sent,) = erp_orders(erp)
    assert jsonutil.loads(jsonutil.dumps(sent["json"])) == EXPECTED_ERP_DOCUMENT
    assert sent["headers"]["Idempotency-Key"]
    (message,) = slack.state.messages
    assert message["message"]["text"] == (
        "Order 1042 for maria.lopez@example.org (141.37 EUR) is in the ERP as 1.")

    assert db_rows(hub, "SELECT number, currency FROM sales_orders") == [("1042", "EUR")]
    refs = db_rows(hub, "SELECT system, entity, external_id FROM external_refs")
    assert ("shop", "sales_order", "820982911946154508") in refs


def test_redelivery_creates_no_new_run_and_no_second_call(hub, erp, slack):
    first = hub.post_order(ORDER, delivery_id="delivery-2")
    hub.wait_run(first.json()["runs"][0])

    again = hub.post_order(ORDER, delivery_id="delivery-2")
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    time.sleep(1.0)  # give a wrongly queued run the time to call out
    assert len(hub.api("GET", "/runs").json()["runs"]) == 1
    assert len(erp_orders(erp)) == 1 and len(erp_hits(erp)) == 1
    assert len(slack.state.messages) == 1


def test_same_order_under_a_new_delivery_id_is_not_sent_twice(hub, erp, slack):
    hub.wait_run(hub.post_order(ORDER).json()["runs"][0])
    second = hub.wait_run(hub.post_order(ORDER).json()["runs"][0])
    assert second["status"] == "succeeded"
    assert {s["step"]: s["status"] for s in second["steps"]}["erp_order"] == "reused"
    assert len(erp_hits(erp)) == 1


@pytest.mark.parametrize("signature", ["", "bm90LXRoZS1zaWduYXR1cmU=", "tampered"], ids=["missing", "wrong", "tampered-body"])
def test_bad_signature_is_refused_and_stores_only_an_audit_line(hub, erp, signature):
    if signature == "tampered":
        signed = hub.post_order  # sign one body, send another
        from tests.support.hubproc import sign
        signature = sign(jsonutil.dumps(ORDER).encode())
        tampered = copy.deepcopy(ORDER)
        tampered["total_price"] = "1.00"
        response = signed(tampered, signature=signature)
    else:
        response = hub.post_order(ORDER, signature=signature)
    assert response.status_code == 401
    assert "rejected" in response.json()["error"]
    time.sleep(0.5)
    assert db_rows(hub, "SELECT count(*) FROM events") == [(0,)]
    assert db_rows(hub, "SELECT count(*) FROM runs") == [(0,)]
    assert hub.stop() == 0  # rejections are tallied and written each window, and on shutdown
    assert db_rows(hub, "SELECT kind, connection, count FROM audit_log") == [("webhook_rejected", "shop", 1)]
    assert erp_hits(erp) == []


def test_retry_after_is_honoured_and_the_order_is_created_once(hub, erp, slack):
    erp.state.faults.push(503, {"status": 429, "headers": {"Retry-After": "2"}})
    run_id = hub.post_order(ORDER).json()["runs"][0]

    run = hub.wait_run(run_id, timeout=30)
    assert run["status"] == "succeeded" and run["attempt"] == 3
    hits = erp_hits(erp)
    assert [h["status"] for h in hits] == [503, 429, None]
    assert hits[2]["at"] - hits[1]["at"] >= 2.0, "called again before Retry-After elapsed"
    assert len(erp_orders(erp)) == 1
    assert len(slack.state.messages) == 1
    failed = [s for s in run["steps"] if s["status"] == "failed"]
    assert [(s["attempt"], s["error_class"]) for s in failed] == [(1, "RetriableError"), (2, "RetriableError")]


def test_exhausted_retries_dead_letter_with_exactly_one_alert(hub, erp, slack):
    erp.state.faults.push(*[503] * 10)
    run_id = hub.post_order(ORDER).json()["runs"][0]

    run = hub.wait_run(run_id, timeout=30)
    assert run["status"] == "dead" and run["attempt"] == 3
    assert "503" in run["error_message"]
    time.sleep(1.5)  # nothing more may happen to a dead run
    assert len(erp_hits(erp)) == 3 and erp_orders(erp) == []
    (alert,) = slack.state.messages
    text = alert["message"]["text"]
    line = order_recipe().splitlines().index("  - id: erp_order") + 1
    assert text.startswith("Order import failed for #1042 after 3 attempt(s): "
                           f"recipes/order.yaml:{line}:5: step erp_order: erp/create_order: HTTP 503")
    assert text.endswith(f"{hub.url}/api/v1/runs/{run_id}")
    assert hub.api("GET", f"/runs/{run_id}").json()["alerted_at"]


def test_replaying_a_succeeded_run_calls_nothing_twice(hub, erp, slack):
    run_id = hub.post_order(ORDER).json()["runs"][0]
    hub.wait_run(run_id)

    response = hub.api("POST", f"/runs/{run_id}/replay")
    assert response.status_code == 202
    replayed = hub.wait_run(response.json()["run_id"])
    assert replayed["status"] == "succeeded" and replayed["replay_of"] == run_id
    statuses = {s["step"]: s["status"] for s in replayed["steps"]}
    assert statuses["erp_order"] == statuses["told"] == "reused"
    assert len(erp_hits(erp)) == 1 and len(slack.state.messages) == 1


def test_replaying_a_dead_run_after_the_target_recovers_succeeds_once(hub, erp, slack):
    erp.state.faults.push(*[503] * 3)
    run_id = hub.post_order(ORDER).json()["runs"][0]
    assert hub.wait_run(run_id, timeout=30)["status"] == "dead"

    result = hub.cli("replay", str(run_id), "--reason", "the ERP is back")
    assert "succeeded" in result.stdout, result.stdout + result.stderr
    time.sleep(0.5)
    assert len(erp_orders(erp)) == 1
    texts = [m["message"]["text"] for m in slack.state.messages]
    assert len(texts) == 2 and texts[0].startswith("Order import failed") and texts[1].startswith("Order 1042")


def test_sigkill_after_accepting_completes_the_run_once_after_restart(hub, erp, slack):
    erp.state.faults.push({"status": 201, "delay": 5})  # the ERP is slow: kill mid-call
    response = hub.post_order(ORDER)
    assert response.status_code == 202
    run_id = response.json()["runs"][0]
    eventually(lambda: not erp.state.faults.pending(), "the call to reach the ERP")
    hub.kill()
    assert db_rows(hub, f"SELECT status FROM runs WHERE id = {run_id}") == [("running",)]

    hub.start()
    run = hub.wait_run(run_id, timeout=60)
    assert run["status"] == "succeeded"
    eventually(lambda: len(erp_hits(erp)) == 2, "the killed call to land at the ERP too")
    assert len(erp_orders(erp)) == 1, "the ERP created the order twice"
    assert len(slack.state.messages) == 1


def test_sigterm_lets_the_run_in_progress_finish(hub, erp, slack):
    erp.state.faults.push({"status": 201, "delay": 2})
    run_id = hub.post_order(ORDER).json()["runs"][0]
    eventually(lambda: not erp.state.faults.pending(), "the call to reach the ERP")
    assert hub.stop() == 0
    assert db_rows(hub, f"SELECT status FROM runs WHERE id = {run_id}") == [("succeeded",)]
    assert "stopped" in hub.log.read_text()


def test_admin_api_needs_the_token(hub):
    import requests

    assert requests.get(hub.url + "/api/v1/runs", timeout=5).status_code == 401
    bad = requests.get(hub.url + "/api/v1/runs", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert bad.status_code == 401
    assert hub.api("GET", "/recipes").json()["recipes"][0]["recipe"] == "order-webhook-to-erp"


def test_no_secret_appears_in_runs_logs_or_errors(hub, erp, slack):
    erp.state.faults.push(*[503] * 3)
    run_id = hub.post_order(ORDER).json()["runs"][0]
    hub.wait_run(run_id, timeout=30)
    hub.wait_run(hub.post_order(dict(ORDER, name="#1043")).json()["runs"][0])
    seen = json.dumps([hub.api("GET", f"/runs/{r['id']}").json()
                       for r in hub.api("GET", "/runs").json()["runs"]])
    seen += hub.log.read_text() + hub.cli("runs", "list").stdout
    for secret in (ADMIN_TOKEN, SHOP_SECRET, "erp-token-123", "xoxb-test-token"):
        assert secret not in seen


@pytest.fixture
def hub_with_worker_process(tmp_path, erp, slack):
    from tests.e2e.conftest import order_recipe
    from tests.support.hubproc import HubProcess

    proc = HubProcess(tmp_path, erp_url=erp.url, slack_url=slack.url,
                      recipes={"order.yaml": order_recipe()}, extra_config={"worker_processes": 1})
    proc.start()
    yield proc
    proc.stop()


def worker_pids(hub) -> list[int]:
    import subprocess

    found = subprocess.run(["pgrep", "-f", f"{hub.config} worker"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def test_runs_execute_in_a_worker_process_that_dies_with_the_hub(hub_with_worker_process, erp, slack):
    hub = hub_with_worker_process
    run = hub.wait_run(hub.post_order(ORDER).json()["runs"][0])
    assert run["status"] == "succeeded" and len(erp_orders(erp)) == 1
    assert len(worker_pids(hub)) == 1

    erp.state.faults.push({"status": 201, "delay": 5})  # the next order is mid-call when killed
    second = dict(ORDER, id=820982911946154509, name="#1043")
    run_id = hub.post_order(second).json()["runs"][0]
    eventually(lambda: not erp.state.faults.pending(), "the call to reach the ERP")
    hub.kill()
    eventually(lambda: not worker_pids(hub), "the worker process to die with the killed hub", timeout=30)

    hub.start()
    assert hub.wait_run(run_id, timeout=60)["status"] == "succeeded"
    eventually(lambda: len(erp_hits(erp)) == 3, "the killed call to land at the ERP too")
    assert [o["json"]["order_number"] for o in erp_orders(erp)] == ["1042", "1043"]
    assert hub.stop() == 0
    assert worker_pids(hub) == []

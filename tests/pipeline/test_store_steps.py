"""lookup, query and connector mappings inside real runs (in-process hub, SQLite store)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from hub.connector import Connector
from hub.registry import ConnectorRegistry
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.runs.executor import execute
from hub.store.platform import Run


INVOICES = """\
recipe: invoices-in
trigger: {manual: {}}
steps:
  - id: invoice
    map:
      into: invoice
      expr: "{number: number, currency: 'EUR', total: total, amount_due: total, status: 'open', due_date: due}"
  - id: saved
    upsert: {entity: invoice, from: invoice, ref: {connection: erp, id: "event.erp_id"}}
"""

CHASE = """\
recipe: chase
trigger: {manual: {}}
steps:
  - id: late
    query: {entity: invoice, where: {status: [open, partially_paid]}, overdue: true}
  - id: by_number
    lookup: {entity: invoice, match: "{number: event.number}"}
  - id: by_ref
    lookup: {entity: invoice, ref: {connection: erp, id: "event.erp_id"}}
  - id: summary
    map:
      from: "{late: late, one: by_number, two: by_ref}"
      expr: "{late: late[*].[number, days_overdue], one: one.total, two: two.number}"
"""

STRICT = """\
recipe: strict
trigger: {manual: {}}
steps:
  - id: invoice
    lookup: {entity: invoice, match: "{number: event.number}", required: true}
"""


class Erp(Connector):
    kind = "erp"

    def mappings(self):
        return {"invoice": lambda doc: {"number": doc["DocNum"], "currency": doc["Cur"],
                                        "total": doc["Amount"]}}


def run(hub, recipe: str, payload: dict) -> Run:
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key=json.dumps([recipe, payload]),
                                             body=json.dumps(payload).encode()),
                      [(recipe, hub.recipes[recipe].recipe.hash)])
    execute(hub, claim_run(hub.sessions, "test", accepted.run_ids[0]))
    with hub.sessions() as s:
        found = s.get(Run, accepted.run_ids[0])
        found.steps  # load while the session is open
        return found


def registry() -> ConnectorRegistry:
    reg = ConnectorRegistry.from_entry_points()
    reg.register(Erp)
    return reg


def test_query_lists_overdue_invoices_and_lookup_finds_one(make_hub):
    hub = make_hub({"erp": {"connector": "erp"}}, {"in.yaml": INVOICES, "chase.yaml": CHASE},
                   registry=registry())
    for number, days, erp_id in (("INV-1", 10, "7"), ("INV-2", -5, "8"), ("INV-3", 1, "9")):
        due = (date.today() - timedelta(days=days)).isoformat()
        assert run(hub, "invoices-in", {"number": number, "total": "100.00", "due": due,
                                        "erp_id": erp_id}).status == "succeeded"

    done = run(hub, "chase", {"number": "INV-2", "erp_id": "9"})
    assert done.status == "succeeded", done.error_message
    summary = next(s for s in done.steps if s.step_id == "summary").output
    assert summary == {"late": [["INV-1", 10], ["INV-3", 1]], "one": "100.00", "two": "INV-3"}


def test_a_required_lookup_that_finds_nothing_dead_letters_with_the_reason(make_hub):
    hub = make_hub({}, {"strict.yaml": STRICT})
    done = run(hub, "strict", {"number": "NOPE-1"})
    assert done.status == "dead"
    assert done.error_message.endswith("step invoice: no invoice matches {'number': 'NOPE-1'}")
    assert done.error_message.startswith(f"{hub.settings.path.parent}/recipes/strict.yaml:4:5: ")


def test_map_using_a_connector_mapping_validates_into_the_canonical_entity(make_hub):
    recipe = ("recipe: erp-invoice\ntrigger: {manual: {}}\nsteps:\n"
              "  - id: invoice\n    map: {using: erp.invoice, into: invoice}\n")
    hub = make_hub({"erp": {"connector": "erp"}}, {"m.yaml": recipe}, registry=registry())
    done = run(hub, "erp-invoice", {"DocNum": "F-9", "Cur": "JPY", "Amount": "1234.5"})
    assert done.status == "succeeded", done.error_message
    out = done.steps[0].output
    assert (out["number"], out["currency"], out["total"]) == ("F-9", "JPY", 1235)
    bad = run(hub, "erp-invoice", {"Cur": "JPY"})
    assert bad.status == "dead" and "mapping erp.invoice cannot read this record: KeyError" in bad.error_message


VERSIONED = """\
recipe: versioned-in
trigger: {manual: {}}
steps:
  - id: saved
    upsert:
      entity: invoice
      from: "event.{number: number, currency: 'EUR', total: total, status: status, external_refs: [{system: 'erp', id: erp_id, version: version}]}"
      ref: {connection: erp, id: "event.erp_id"}
"""


def test_the_upsert_step_output_says_when_an_older_copy_was_ignored(make_hub):
    hub = make_hub({"erp": {"connector": "erp"}}, {"versioned.yaml": VERSIONED}, registry=registry())
    copy = {"number": "INV-9", "total": "100.00", "erp_id": "21"}
    newer = run(hub, "versioned-in", {**copy, "status": "paid", "version": "2026-12-07T10:15:03Z"})
    older = run(hub, "versioned-in", {**copy, "status": "open", "version": "2026-12-07T10:15:02Z"})
    assert [s.output for s in newer.steps] == [{"entity": "invoice", "id": 1, "created": True, "changed": True,
                                                "stale": False}]
    assert [s.output for s in older.steps] == [{"entity": "invoice", "id": 1, "created": False, "changed": False,
                                                "stale": True}]

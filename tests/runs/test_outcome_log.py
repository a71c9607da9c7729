"""Each attempt of a run ends with one INFO line: ids, status, attempt and duration, no data."""

from __future__ import annotations

import logging

import pytest

from hub.runs import queue
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept

RECIPE = """\
recipe: manual-customer
trigger: {manual: {}}
steps:
  - id: customer
    map: {expr: "{name: name, email: email, credit_limit: limit, currency: 'EUR'}", into: customer}
  - id: saved
    upsert: {entity: customer, from: customer}
"""


def run_once(hub, body: bytes, key: str):
    built = hub.recipes["manual-customer"]
    [run_id] = accept(hub.sessions, NewEvent(source="manual", dedupe_key=key, body=body),
                      [(built.slug, built.recipe.hash)]).run_ids
    return run_id, execute(hub, queue.claim_run(hub.sessions, queue.new_owner(), run_id))


def outcome_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "o2c_hub.runs" and r.levelno == logging.INFO]


@pytest.mark.parametrize(("body", "status", "error_class"), [
    (b'{"name": "Acme GmbH", "email": "ap@acme.example", "limit": "5000"}', "succeeded", None),
    (b'{"name": "Acme GmbH", "email": "ap@acme.example", "limit": "a lot"}', "dead", "InvalidRecordError"),
], ids=["succeeded", "dead"])
def test_one_info_line_per_outcome_with_its_fields(make_hub, caplog, body, status, error_class):
    hub = make_hub({}, {"manual.yaml": RECIPE})
    caplog.set_level(logging.DEBUG)
    run_id, got = run_once(hub, body, key=status)
    assert got == status
    [line] = outcome_lines(caplog)
    assert (line.run_id, line.recipe, line.status, line.attempt) == (run_id, "manual-customer", status, 1)
    assert isinstance(line.duration_ms, int) and 0 <= line.duration_ms < 60_000
    assert getattr(line, "error_class", None) == error_class
    text = line.getMessage()
    assert text.startswith(f"run {run_id} (manual-customer) {status}, attempt 1, ")
    assert "Acme" not in text and "acme.example" not in text and "a lot" not in text

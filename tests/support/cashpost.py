"""Cash application into an ERP, as the cash-postings tests run it: a recipe that decides the
money waiting (cash_apply) and records what it applied in the ERP (cash_post, connection
``ledger``), started by hand and executed here.

    hub = make_hub({"ledger": {...}}, {"cash.yaml": RECIPE})
    outputs = run(hub)     # {"applied": {...}, "posted": {...}}: each step's output
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.store.platform import Run, StepRun

RECIPE = """\
recipe: cash-to-erp
trigger: {manual: {}}
steps:
  - id: applied
    cash_apply: {}
  - id: posted
    cash_post: {connection: ledger}
"""


def run(hub) -> dict:
    """One run of the recipe, which must succeed; its step outputs by step id."""
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key=uuid.uuid4().hex, body=json.dumps({}).encode()),
                      [("cash-to-erp", hub.recipes["cash-to-erp"].recipe.hash)])
    execute(hub, claim_run(hub.sessions, "test", accepted.run_ids[0]))
    with hub.sessions() as session:
        done = session.get(Run, accepted.run_ids[0])
        assert done.status == "succeeded", done.error_message
        return {s.step_id: s.output for s in session.scalars(select(StepRun).where(StepRun.run_id == done.id))}

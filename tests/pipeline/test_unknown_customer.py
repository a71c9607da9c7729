"""An invoice naming a customer the hub does not know is not stored as nobody's: its run waits for
the customer through the recipe's retries and is dead-lettered after the last one, with an error
that names the customer by system ids only."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.o2c.records import store_record
from hub.runs.queue import claim_run
from hub.runs.executor import execute
from hub.store.base import utcnow
from hub.store.o2c import Invoice
from hub.store.platform import Run
from tests.pipeline.test_store_steps import run

RECIPE = """\
recipe: erp-invoices
trigger: {manual: {}}
steps:
  - id: saved
    upsert:
      entity: invoice
      from: "event.{number: number, currency: 'EUR', total: '119.00', amount_due: '119.00', status: 'open', customer: customer}"
retry: {max_attempts: 2, backoff: fixed, initial: 1s, jitter: false}
"""

NO_CUSTOMER = RECIPE.replace("erp-invoices", "plain-invoices").replace(", customer: customer}", "}")

BY_ID = {"external_refs": [{"system": "tryton", "id": "42"}], "email": "erika@example.com", "name": "Erika Muster"}


def invoices(hub) -> int:
    with hub.sessions() as session:
        return session.scalar(select(func.count()).select_from(Invoice))


def again(hub, run_id: int) -> Run:
    with hub.sessions.begin() as session:  # due now: the backoff is not what is tested here
        session.get(Run, run_id).next_attempt_at = utcnow()
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions() as session:
        return session.get(Run, run_id)


def test_an_unknown_customer_keeps_the_invoice_out_and_the_run_retrying(make_hub):
    hub = make_hub({}, {"in.yaml": RECIPE})
    first = run(hub, "erp-invoices", {"number": "INV-7", "customer": BY_ID})
    assert first.status == "retrying"
    assert first.error_class == "CustomerNotKnown"
    assert "invoice INV-7 names a customer with the id tryton 42 that the hub does not know yet" in first.error_message
    assert "erika" not in first.error_message.lower() and "Muster" not in first.error_message
    assert invoices(hub) == 0

    with hub.sessions.begin() as session:  # the customer arrives (a CRM sync, say)
        store_record(session, "customer", {"name": "Erika Muster", "email": "erika@example.com",
                                           "external_refs": [{"system": "tryton", "id": "42"}]})
    second = again(hub, first.id)
    assert second.status == "succeeded", second.error_message
    with hub.sessions() as session:
        stored = session.scalars(select(Invoice)).one()
        assert stored.customer_id is not None


def test_after_the_last_attempt_the_run_is_dead_with_the_reason(make_hub):
    hub = make_hub({}, {"in.yaml": RECIPE})
    first = run(hub, "erp-invoices", {"number": "INV-8", "customer": {"email": "nobody@example.com"}})
    assert first.status == "retrying"
    last = again(hub, first.id)
    assert last.status == "dead"
    assert "names a customer by e-mail that the hub does not know yet" in last.error_message
    assert "nobody@" not in last.error_message
    assert invoices(hub) == 0


def test_an_invoice_naming_no_customer_or_a_known_one_is_stored(make_hub):
    hub = make_hub({}, {"in.yaml": RECIPE, "plain.yaml": NO_CUSTOMER})
    with hub.sessions.begin() as session:
        store_record(session, "customer", {"name": "Known AG", "email": "ap@known.example"})
    assert run(hub, "erp-invoices", {"number": "INV-9", "customer": {"email": "ap@known.example"}}).status == "succeeded"
    assert run(hub, "plain-invoices", {"number": "INV-10"}).status == "succeeded"
    assert invoices(hub) == 2

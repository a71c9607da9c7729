"""An invoice is never stored as nobody's. A customer the hub does not know, named with a system's
id (an ERP's party), is added from what the invoice says of it; one named only by e-mail, tax id
or name keeps the invoice out: its run waits for the customer through the recipe's retries and
is dead-lettered after the last one, with an error that never repeats the name or e-mail."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.o2c.records import store_record
from hub.runs.executor import execute
from hub.runs.queue import claim_run
from hub.store.base import utcnow
from hub.store.o2c import Customer, Invoice
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

PARTY = {"external_refs": [{"system": "tryton", "id": "42"}], "email": "erika@example.com", "name": "Erika Muster"}


def count(hub, model) -> int:
    with hub.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def again(hub, run_id: int) -> Run:
    with hub.sessions.begin() as session:  # due now: the backoff is not what is tested here
        session.get(Run, run_id).next_attempt_at = utcnow()
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions() as session:
        return session.get(Run, run_id)


def test_an_erp_party_the_hub_does_not_know_becomes_its_customer_once(make_hub):
    hub = make_hub({}, {"in.yaml": RECIPE})
    assert run(hub, "erp-invoices", {"number": "INV-7", "customer": PARTY}).status == "succeeded"
    assert run(hub, "erp-invoices", {"number": "INV-8", "customer": {"external_refs": PARTY["external_refs"]}}
               ).status == "succeeded"
    with hub.sessions() as session:
        (customer,) = session.scalars(select(Customer)).all()
        assert (customer.name, customer.email) == ("Erika Muster", "erika@example.com")
        assert [i.customer_id for i in session.scalars(select(Invoice).order_by(Invoice.number))] == [customer.id] * 2


def test_an_unknown_customer_named_by_email_keeps_the_invoice_out_until_it_is_known(make_hub):
    hub = make_hub({}, {"in.yaml": RECIPE})
    first = run(hub, "erp-invoices", {"number": "INV-9", "customer": {"email": "erika@example.com"}})
    assert (first.status, first.error_class) == ("retrying", "CustomerNotKnown")
    assert "invoice INV-9 names a customer by e-mail (no system's id) that the hub does not know yet" in \
        first.error_message
    assert "erika" not in first.error_message.lower()
    assert count(hub, Invoice) == 0 and count(hub, Customer) == 0

    with hub.sessions.begin() as session:  # the customer arrives (a CRM sync, say)
        store_record(session, "customer", {"name": "Erika Muster", "email": "erika@example.com"})
    second = again(hub, first.id)
    assert second.status == "succeeded", second.error_message
    with hub.sessions() as session:
        assert session.scalars(select(Invoice)).one().customer_id is not None


def test_after_the_last_attempt_the_run_is_dead_with_the_reason(make_hub):
    hub = make_hub({}, {"in.yaml": RECIPE})
    first = run(hub, "erp-invoices", {"number": "INV-10", "customer": {"name": "Nobody Known AG"}})
    assert first.status == "retrying"
    last = again(hub, first.id)
    assert last.status == "dead"
    assert "names a customer by name (no system's id) that the hub does not know yet" in last.error_message
    assert "Nobody Known" not in last.error_message
    assert count(hub, Invoice) == 0


def test_an_invoice_naming_no_customer_or_a_known_one_is_stored(make_hub):
    hub = make_hub({}, {"in.yaml": RECIPE, "plain.yaml": NO_CUSTOMER})
    with hub.sessions.begin() as session:
        store_record(session, "customer", {"name": "Known AG", "email": "ap@known.example"})
    assert run(hub, "erp-invoices", {"number": "INV-11", "customer": {"email": "ap@known.example"}}).status == "succeeded"
    assert run(hub, "plain-invoices", {"number": "INV-12"}).status == "succeeded"
    assert count(hub, Invoice) == 2 and count(hub, Customer) == 1

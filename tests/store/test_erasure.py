"""``o2c-hub erase customer REF``: a real Shopify order that went through the bundled order
recipe leaves the customer's e-mail, name, street and phone nowhere in the database (every text
column of every table scanned), while amounts, numbers and row counts stay as they were."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import LargeBinary, func, select

from connectors.base import Connector
from hub import STARTER, jsonutil
from hub.cli import main
from hub.registry import ConnectorRegistry
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.store.base import Base
from hub.store.o2c import SalesOrder, SalesOrderLine
from hub.store.personal import Needles
from hub.store.platform import AuditEntry, Run
from hub.store.upsert import upsert
from tests.support.fixtures import FIXTURES

ORDER = FIXTURES / "shopify" / "order.json"
PERSONAL = ("bob.norman@hostmail.com", "bob", "norman", "chestnut street", "555-625-1199")


class Ledger(Connector):
    """An ERP that answers with the party it booked, as ERPs do."""

    kind = "erase_ledger"

    def actions(self):
        return {"create_sales_order": lambda order, context: {
            "number": f"SO-{order['number']}", "party": order["customer"].get("name"),
            "email": order["customer"].get("email"), "total": order["totals"]["total"]}}


class Chat(Connector):
    kind = "erase_chat"

    def actions(self):
        return {"notify": lambda payload, context: {"ok": True, "text": payload["text"]}}


@pytest.fixture
def hub(make_hub):
    if not ORDER.exists():
        pytest.skip("the shared vendor fixtures are not beside this checkout")
    registry = ConnectorRegistry.from_entry_points().clone()
    registry.register(Ledger)
    registry.register(Chat)
    recipe = (STARTER / "recipes" / "shopify-order-to-erp.yaml").read_text()
    return make_hub({"shopify": {"connector": "shopify", "shop_url": "https://shop.example",
                                 "client_secret": "unit-secret"},
                     "ledger": {"connector": "erase_ledger"}, "slack": {"connector": "erase_chat"}},
                    {"order.yaml": recipe}, registry=registry)


def import_order(hub) -> Run:
    body = ORDER.read_bytes()
    order = jsonutil.loads(body)["order"]
    order["total_price"] = "608.94"  # the published sample's total leaves out one of its three lines
    accepted = accept(hub.sessions, NewEvent(
        source="webhook", connection="shopify", topic="orders/create", dedupe_key="shopify:webhook-1",
        body=jsonutil.dumps(order).encode()), [("shopify-order-to-erp", hub.recipes["shopify-order-to-erp"].recipe.hash)])
    execute(hub, claim_run(hub.sessions, "test", accepted.run_ids[0]))
    with hub.sessions() as session:
        return session.get(Run, accepted.run_ids[0])


def every_text(hub) -> list[tuple[str, str]]:
    """(table, lower-cased text) of every text, JSON and binary value in the database."""
    found = []
    with hub.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                for column, value in zip(table.columns, row):
                    if value is None:
                        continue
                    if isinstance(column.type, LargeBinary):
                        value = bytes(value).decode("utf-8", errors="replace")
                    elif not isinstance(value, str):
                        value = jsonutil.dumps(value)
                    found.append((f"{table.name}.{column.name}", value.lower()))
    return found


def where(hub, needle: str) -> list[str]:
    import re
    word = re.compile(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])")
    return sorted({place for place, text in every_text(hub) if word.search(text)})


def books(hub) -> dict:
    with hub.sessions() as session:
        order = session.scalars(select(SalesOrder)).one()
        counts = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        lines = [(l.sku, l.quantity, l.line_total) for l in session.scalars(select(SalesOrderLine))]
        return {"number": order.number, "total": order.total, "tax": order.tax_total,
                "document_totals": order.data["totals"], "lines": lines, "counts": counts}


def erase(hub, ref: str):
    """The command as an admin types it, with a config naming the same database."""
    config = hub.settings.path.with_name("admin.yaml")
    config.write_text(yaml.safe_dump({"database": hub.settings.database_url, "recipes": ["no-recipes/*.yaml"]}))
    return CliRunner().invoke(main, ["--config", str(config), "erase", "customer", ref],
                              catch_exceptions=False)


def test_an_erased_customer_appears_nowhere_and_the_books_still_add_up(hub, caplog):
    run = import_order(hub)
    assert run.status == "succeeded", run.error_message
    assert all(where(hub, needle) for needle in PERSONAL), "the order did not bring the customer in"
    before = books(hub)
    assert before["total"] == Decimal("608.94")

    with caplog.at_level(logging.INFO, logger="o2c_hub.erasure"):
        result = erase(hub, "Bob.Norman@hostmail.com")
    assert result.exit_code == 0, result.output
    assert "events: 1 record(s)" in result.output and "step_runs:" in result.output
    assert "sales_orders: 1 record(s)" in result.output and "effects:" in result.output

    leaks = {needle: where(hub, needle) for needle in PERSONAL}
    assert leaks == dict.fromkeys(PERSONAL, []), leaks
    before["counts"]["audit_log"] += 1  # the erasure's own line; nothing else added or removed
    assert books(hub) == before
    with hub.sessions() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.kind == "erasure")).one()
    assert audit.detail == ("personal data of customer known by e-mail only erased: "
                            "effects 2, events 1, sales_orders 1, step_runs 5")
    logged = [r.getMessage() for r in caplog.records if r.name == "o2c_hub.erasure"]
    assert logged == [audit.detail]


def test_erasing_again_changes_nothing_and_says_so(hub):
    import_order(hub)
    erase(hub, "bob.norman@hostmail.com")
    snapshot = every_text(hub)
    again = erase(hub, "bob.norman@hostmail.com")
    assert again.exit_code == 0
    assert "nothing left to erase" in again.output
    assert [t for t in every_text(hub) if not t[0].startswith("audit_log.")] == \
        [t for t in snapshot if not t[0].startswith("audit_log.")]


@pytest.mark.parametrize("ref", ["1", "crm:C-77", "C-77", "ANA@example.org"], ids=["id", "system-ref", "ref", "email"])
def test_a_customer_is_found_by_id_external_ref_or_email(hub, ref):
    with hub.sessions.begin() as session:
        upsert(session, "customer", {"name": "Ana Lima", "email": "ana@example.org", "phone": "+351 912 345 678",
                                     "external_refs": [{"system": "crm", "id": "C-77"}]})
        upsert(session, "customer", {"name": "Rui Costa", "email": "rui@example.org"})
    result = erase(hub, ref)
    assert result.exit_code == 0, result.output
    assert where(hub, "ana lima") == [] and where(hub, "+351 912 345 678") == []
    assert where(hub, "ana@example.org") == []
    assert where(hub, "rui costa") != [], "another customer was erased"


def test_an_unknown_customer_is_one_clear_line(hub):
    result = erase(hub, "C-404")
    assert result.exit_code == 1
    assert result.output.strip().endswith("no customer has the id, external id or e-mail 'C-404'")
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(("document", "expected"), [
    ({"note": "Order 1001 for Bob Norman booked"}, {"note": "Order 1001 for [erased] booked"}),
    ({"note": "Bob Normandy called"}, {"note": "Bob Normandy called"}),
    ({"email": "bob@x.example", "first_name": "Bob", "name": "#1001", "total": "9.99"},
     {"email": "[erased]", "first_name": "[erased]", "name": "#1001", "total": "9.99"}),
    ({"email": "someone@else.example", "first_name": "Bob"}, {"email": "someone@else.example", "first_name": "Bob"}),
], ids=["phrase-in-text", "not-inside-a-word", "person-fields", "other-person"])
def test_needles_replace_whole_words_of_this_person_only(document, expected):
    needles = Needles()
    needles.add_phrase("bob@x.example")
    needles.add_phrase("Bob Norman")
    needles.add_word("Bob")
    text = jsonutil.dumps(document)
    if needles.found_in(text):
        needles.learn(document)
        document = needles.redact_json(document)
    assert document == expected

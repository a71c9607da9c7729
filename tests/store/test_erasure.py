"""``o2c-hub erase customer REF``: a real Shopify order that went through the bundled order
recipe leaves the customer's e-mail, name, street and phone nowhere in the database (every text
column of every table scanned), while amounts, numbers and row counts stay as they were; another
customer whose order names this one keeps their own data; the SQLite -wal file keeps no copy."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import LargeBinary, func, select

from hub import STARTER, jsonutil
from hub.connector import Connector
from hub.store.erasure import erase_customer
from hub.cli import main
from hub.cli_common import command_line_actor
from hub.registry import ConnectorRegistry
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.store.base import Base
from hub.store.o2c import Customer, Invoice, SalesOrder, SalesOrderLine
from hub.store.personal import ERASED_EMAIL, Needles, Owner
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


def import_order(hub, order: dict | None = None) -> Run:
    if order is None:
        order = jsonutil.loads(ORDER.read_bytes())["order"]
        order["total_price"] = "608.94"  # the published sample's total leaves out one of its three lines
    accepted = accept(hub.sessions, NewEvent(
        source="webhook", connection="shopify", topic="orders/create", dedupe_key=f"shopify:webhook-{order['id']}",
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
    return CliRunner().invoke(main, ["--config", str(config), "erase", "customer", ref,
                                     "--reason", "erasure request 2026-114"], catch_exceptions=False)


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
                            "effects 2, events 1, sales_orders 1, step_runs 5; "
                            f"by {command_line_actor()}; reason: erasure request 2026-114")
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
     {"email": ERASED_EMAIL, "first_name": "[erased]", "name": "#1001", "total": "9.99"}),
    ({"email": "someone@else.example", "first_name": "Bob"}, {"email": "someone@else.example", "first_name": "Bob"}),
    ({"customer": {"email": "jo@else.example", "first_name": "Jo"}, "contact_email": "Bob@x.example",
      "billing_address": {"name": "Jo Else", "address1": "Main Street 5", "city": "Bobtown"}, "note": "cc Bob"},
     {"customer": {"email": "jo@else.example", "first_name": "Jo"}, "contact_email": ERASED_EMAIL,
      "billing_address": {"name": "Jo Else", "address1": "Main Street 5", "city": "Bobtown"}, "note": "cc Bob"}),
    ({"customer": {"email": "jo@else.example"}, "shipping_address": {"name": "Bob Norman", "address1": "Main Street 5"}},
     {"customer": {"email": "jo@else.example"}, "shipping_address": {"name": "[erased]", "address1": "Main Street 5"}}),
], ids=["phrase-in-text", "not-inside-a-word", "person-fields", "other-person", "other-customer-names-this-email",
        "this-street-in-another-customers-order"])
def test_needles_replace_whole_words_of_this_person_only(document, expected):
    needles = Needles()
    needles.identity.add(email="bob@x.example", name="Bob Norman")
    needles.add_phrase("bob@x.example")
    needles.add_phrase("Bob Norman")
    needles.add_street("Main Street 5")
    needles.add_word("Bob")
    text = jsonutil.dumps(document)
    if needles.found_in(text):
        needles.learn(document)
        document = needles.redact_json(document)
    assert document == expected


@pytest.mark.parametrize(("document", "owner"), [
    ({"customer": {"email": "BOB@x.example"}}, Owner.THIS),
    ({"customer": {"email": "jo@else.example", "name": "Bob Norman"}}, Owner.OTHER),
    ({"customer": {"external_refs": [{"system": "shopify", "id": "77"}]}}, Owner.THIS),
    ({"customer": {"id": 77, "first_name": "Jo"}}, Owner.THIS),
    ({"customer": {"external_refs": [{"system": "shopify", "id": "78"}]}}, Owner.OTHER),
    ({"customer": {"name": "bob  norman"}}, Owner.THIS),
    ({"customer": "cus_other"}, Owner.OTHER),
    ({"email": "bob@x.example", "party": "Bob"}, Owner.THIS),
    ({"contact_email": "bob@x.example", "note": "Bob Norman"}, Owner.UNKNOWN),
], ids=["email", "email-beats-name", "external-ref", "vendor-id", "unknown-ref", "name", "vendor-string", "own-email",
        "mention-only"])
def test_a_documents_customer_decides_whose_it_is(document, owner):
    needles = Needles()
    needles.identity.add(email="bob@x.example", name="Bob Norman", ref=("shopify", "77"))
    assert needles.identity.owner(document) is owner


SAMPLE = STARTER / "samples" / "order-created.json"
MARIA = ("maria.lopez@example.org", "maría lópez", "maría", "lópez", "+34 600 111 222")
JONAS = {"email": "jonas.berg@example.se", "first_name": "Jonas", "last_name": "Berg", "id": 7770001}


def jonas_order(maria: dict) -> dict:
    """The demo's second order: Jonas's, copied from María's, so its ``contact_email`` (and the
    street of its billing address) are still María's."""
    order = jsonutil.loads(jsonutil.dumps(maria))
    order.update(id=maria["id"] + 1, name="#1043", order_number=1043, email=JONAS["email"],
                 total_price="30.70", subtotal_price="25.80", total_tax="4.90")
    order["customer"] = {**order["customer"], **JONAS}
    order["line_items"] = [{**order["line_items"][0], "id": 99001, "quantity": 2}]
    order["billing_address"] = {**order["billing_address"], "first_name": "Jonas", "last_name": "Berg",
                                "name": "Jonas Berg"}
    return order


def invoice(number: str, email: str, name: str, street: str) -> dict:
    return {"number": number, "customer": {"email": email, "name": name}, "currency": "EUR",
            "issue_date": "2026-11-20", "billing_address": {"name": name, "line1": street, "city": "Madrid",
                                                            "postal_code": "28013", "country": "ES"},
            "lines": [{"description": "Green tea", "quantity": "2", "unit_price": "12.90", "line_total": "25.80"}],
            "tax_lines": [{"name": "VAT 19%", "rate": "0.19", "amount": "4.90"}],
            "total": "30.70", "amount_due": "30.70", "status": "open"}


def export(hub, number: str):
    seller = hub.settings.path.with_name("seller.yaml")
    seller.write_text(yaml.safe_dump({"name": "Tea Shop SL", "vat_id": "ESB12345678",
                                      "address": {"line1": "Calle Uno 1", "city": "Madrid", "country": "ES"}}))
    config = hub.settings.path.with_name("admin.yaml")
    config.write_text(yaml.safe_dump({"database": hub.settings.database_url, "recipes": ["no-recipes/*.yaml"]}))
    return CliRunner().invoke(main, ["--config", str(config), "einvoice", "export", number, "--seller", str(seller)])


def jonas_as_stored(hub) -> dict:
    """Everything Jonas's records hold: his customer row, order, invoice, and his event body."""
    with hub.sessions() as session:
        order = session.scalars(select(SalesOrder).where(SalesOrder.number.contains("1043"))).one()
        customer = order.customer_id and session.get(Customer, order.customer_id)
        invoice_row = session.scalars(select(Invoice).where(Invoice.number == "INV/2026/00002")).one()
        return {"customer": (customer.name, customer.email, customer.data), "order": order.data,
                "invoice": invoice_row.data}


def test_erasing_one_customer_leaves_another_whose_order_names_them(hub):
    maria = jsonutil.loads(SAMPLE.read_bytes())
    jonas = jonas_order(maria)
    assert jonas["contact_email"] == MARIA[0]
    with hub.sessions.begin() as session:
        upsert(session, "customer", {"name": "María López", "email": MARIA[0], "phone": "+34 600 111 222",
                                     "external_refs": [{"system": "shopify", "id": str(maria["customer"]["id"])}]})
        upsert(session, "customer", {"name": "Jonas Berg", "email": JONAS["email"], "phone": "+46 70 123 45 67",
                                     "external_refs": [{"system": "shopify", "id": str(JONAS["id"])}]})
    for order in (maria, jonas):
        assert import_order(hub, order).status == "succeeded"
    with hub.sessions.begin() as session:
        upsert(session, "invoice", invoice("INV/2026/00001", MARIA[0], "María López", "Calle Mayor 12"))
        upsert(session, "invoice", invoice("INV/2026/00002", JONAS["email"], "Jonas Berg", "Storgatan 3"))
    before = jonas_as_stored(hub)
    body_before = next(e for e in every_text(hub) if e[0] == "events.body" and "#1043" in e[1])

    result = erase(hub, MARIA[0])
    assert result.exit_code == 0, result.output

    assert {needle: where(hub, needle) for needle in MARIA} == dict.fromkeys(MARIA, [])
    with hub.sessions() as session:
        marias = [session.scalars(select(model.data).where(model.number.contains(number))).one()
                  for model, number in ((SalesOrder, "1042"), (Invoice, "INV/2026/00001"))]
    assert "calle mayor" not in jsonutil.dumps(marias).lower() and "28013" not in jsonutil.dumps(marias)
    assert jonas_as_stored(hub) == before, "Jonas's own records changed"
    assert where(hub, "jonas.berg@example.se") and where(hub, "jonas") and where(hub, "berg")
    body = next(e for e in every_text(hub) if e[0] == "events.body" and "#1043" in e[1])
    assert body[1] == body_before[1].replace(MARIA[0], ERASED_EMAIL), "more than María's e-mail changed"
    assert '"first_name":"jonas"' in body[1].replace(" ", "") and "calle mayor 12" in body[1]

    jonas_xml = export(hub, "INV/2026/00002")
    assert jonas_xml.exit_code == 0, jonas_xml.output
    assert "jonas.berg@example.se" in jonas_xml.output and "Jonas Berg" in jonas_xml.output
    maria_xml = export(hub, "INV/2026/00001")
    assert maria_xml.exit_code == 0, maria_xml.output
    assert ERASED_EMAIL in maria_xml.output and "López" not in maria_xml.output


def test_no_copy_of_an_erased_email_stays_in_the_sqlite_files(hub):
    database = hub.settings.database_url.removeprefix("sqlite:///")
    assert hub.settings.database_url.startswith("sqlite:///")
    import_order(hub)
    email = b"bob.norman@hostmail.com"
    files = {path: open(path, "rb").read() for path in (database, f"{database}-wal")}
    assert any(email in data for data in files.values()), "the order did not reach the files"

    report = erase_customer(hub.sessions, email.decode(), who="the tests", reason="request 7")

    assert report.on_disk == ""
    with open(f"{database}-wal", "rb") as wal:
        assert email not in wal.read()
    with open(database, "rb") as main_file:
        assert email not in main_file.read()

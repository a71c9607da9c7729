"""Every camt.053 and MT940 fixture parses into exact, valid canonical bank transactions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from connectors.bank import detect_format, import_statement, parse_statement, parse_statements
from hub.canonical import check, validate_record
from hub.errors import FatalError
from tests.connectors.bank.reference import expected_transactions
from tests.support.fixtures import FIXTURES as SHARED

FIXTURES = SHARED / "bank"
CAMT = sorted((FIXTURES / "camt053").glob("*.xml"))
MT940 = sorted((FIXTURES / "mt940").glob("*/*.sta"))
ALL = CAMT + MT940

# file: (statements, transactions, opening, closing, currency, account id)
SUMMARY = {
    "valid_example.xml": (1, 5, "33.06", "23.06", "EUR", "DE14740618130000033626"),
    "valid_example_v4.xml": (1, 32, "322152.16", "322689.77", "CHF", "CH0309000000250090342"),
    "valid_example_v8.xml": (1, 3, "82721.95", "84515.25", "CHF", "CH1111111111111111111"),
    "valid_example_with_batch.xml": (1, 3, "7329.80", "23038.20", "EUR", "NL18INGB00012345678"),
    "abnamro.sta": (2, 10, "3236.28", "1849.75", "EUR", "517852257"),
    "ing.sta": (1, 7, "0.00", "3.47", "EUR", "0001234567"),
    "postfinance.sta": (2, 4, "0.00", "159.60", "CHF", "123456789"),
    "mt940.sta": (1, 3, "0.40", "0.43", "PLN", "PL29114010810000267002001002"),
    "171011_01234945.sta": (1, 3, "627311.30", "617874.30", "HUF", "1966315302010001"),
}
# Files whose balances add up (the others are vendors' samples with made-up balances).
RECONCILING = ["valid_example.xml", "valid_example_v4.xml", "mt940.sta", "171011_01234945.sta"]


def _by_name(name: str) -> Path:
    return next(p for p in ALL if p.name == name)


def test_every_fixture_is_summarized():
    assert sorted(p.name for p in ALL) == sorted(SUMMARY)


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_fixture_summary(path):
    statements, count, opening, closing, currency, account = SUMMARY[path.name]
    assert len(parse_statements(path)) == statements
    merged = parse_statement(path)
    assert len(merged.transactions) == count
    assert (merged.opening.amount, merged.closing.amount) == (Decimal(opening), Decimal(closing))
    assert merged.currency == currency and merged.account.id == account


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_every_transaction_is_canonical_and_exact(path):
    records = import_statement(path)
    for record in parse_statement(path).canonical():
        assert validate_record("bank_transaction", record) == []
        assert isinstance(record["amount"], Decimal)
        assert check("bank_transaction", record)["amount"] == record["amount"]
    assert len({r["id"] for r in records}) == len(records)


@pytest.mark.parametrize("name", RECONCILING)
def test_balances_reconcile(name):
    st = parse_statement(_by_name(name))
    assert st.opening.amount + sum(t.amount for t in st.transactions) == st.closing.amount


def test_dedupe_ids_are_stable_across_reads_and_copies(tmp_path):
    source = _by_name("valid_example_v4.xml")
    copy = tmp_path / "renamed.xml"
    copy.write_bytes(source.read_bytes())
    assert [r["id"] for r in import_statement(source)] == [r["id"] for r in import_statement(copy.read_bytes())]


def test_camt_v2_entry_details():
    first = parse_statement(_by_name("valid_example.xml")).canonical()[0]
    assert first["amount"] == Decimal("-2.00") and first["booking_date"] == "2013-12-27"
    assert first["counterparty"] == {"name": "Testkonto Nummer 2", "iban": "DE09300606010012345671", "bic": "DAAEDEDDXXX"}
    assert first["end_to_end_id"] == "EndToEndReference" and first["entry_reference"] == "1234567890sdfghjk"
    assert first["remittance_info"] == "TEST BERWEISUNG MITTELS BLZUND KONTONUMMER - DTA"
    assert first["statement_id"] == "0352C5320131227220503" and first["source_format"] == "camt.053.001.02"


def test_camt_batch_entry_is_split_into_its_payments():
    records = parse_statement(_by_name("valid_example.xml")).canonical()
    split = [r for r in records if r["remittance_info"].startswith("Sammel")]
    assert [r["amount"] for r in split] == [Decimal("-3.50"), Decimal("-2.50")]
    assert [r["end_to_end_id"] for r in split] == ["STZV-EtE27122013-11:02-1", "STZV-EtE27122013-11:02-2"]
    assert "end_to_end_id" not in records[1]  # NOTPROVIDED is no id


def test_camt_v4_structured_references():
    records = parse_statement(_by_name("valid_example_v4.xml")).canonical()
    refs = [r.get("creditor_reference") for r in records]
    assert "CreditorReference" in refs and "000000000002016030002820804" in refs
    batch = [r for r in records if r["booking_date"] == "2016-05-27" and r["amount"] > 0]
    assert sum(r["amount"] for r in batch) == Decimal("1620.00")


def test_camt_v8_rf_reference_and_party_names():
    records = parse_statement(_by_name("valid_example_v8.xml")).canonical()
    assert [r["amount"] for r in records] == [Decimal("474.40"), Decimal("88.85"), Decimal("-20.97")]
    assert records[0]["counterparty"]["name"] == "Jon Doe" and records[0]["remittance_info"] == "INVOICE R77561"
    assert records[1]["creditor_reference"] == "RF38000000000000000000552"
    assert records[1]["end_to_end_id"] == "435A9287E088BDB1D97FAABD181C70C8"
    assert records[0]["transaction_code"] == "PMNT/RCDT/AUTT"


@pytest.mark.parametrize("path", MT940, ids=[p.name for p in MT940])
def test_mt940_matches_the_reference_dump(path):
    expected = expected_transactions(path.with_suffix(".yml"))
    got = parse_statement(path).transactions
    assert [t.amount for t in got] == [e["amount"]["amount"] for e in expected]
    assert [t.value_date for t in got] == [e["date"] for e in expected]


def test_mt940_details():
    abn = parse_statement(_by_name("abnamro.sta")).transactions
    assert abn[1].amount == Decimal("-11.59") and str(abn[1].value_date) == "2011-05-21"
    assert str(abn[1].booking_date) == "2011-05-23"
    post = parse_statement(_by_name("postfinance.sta")).transactions
    assert post[0].amount == Decimal("79.70") and post[0].entry_reference == "01916"
    assert "JANE DOE" in post[0].remittance_info
    mbank = parse_statement(_by_name("mt940.sta")).transactions
    assert mbank[0].bank_reference == "MB170119012058" and mbank[0].amount == Decimal("0.01")


def test_mt940_slash_fields_give_counterparty_and_references():
    data = (b":20:STMT1\n:25:NL20INGB0001234567\n:28C:1\n:60F:C240301EUR100,00\n"
            b":61:2403010301C25,50NTRFNONREF//B1\n"
            b":86:/EREF/E2E-77//CNTP/NL91ABNA0417164300/ABNANL2A/ACME BV///REMI/USTD//RF18539007547034/\n"
            b":62F:C240301EUR125,50\n-")
    [txn] = parse_statement(data).canonical()
    assert txn["amount"] == Decimal("25.50") and txn["end_to_end_id"] == "E2E-77"
    assert txn["counterparty"] == {"name": "ACME BV", "iban": "NL91ABNA0417164300", "bic": "ABNANL2A"}
    assert txn["creditor_reference"] == "RF18539007547034"
    assert txn["account"] == {"id": "NL20INGB0001234567", "iban": "NL20INGB0001234567"}


@pytest.mark.parametrize(("data", "message"), [
    (b"hello", "unknown statement format"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'/>",
     "DOCTYPE"),
    (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt/></Document>", "no Stmt"),
    (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt>", "not well-formed"),
], ids=["garbage", "doctype", "no-statement", "broken-xml"])
def test_bad_files_are_fatal(data, message):
    with pytest.raises(FatalError, match=message):
        parse_statements(data)


def test_detect_format():
    assert detect_format(CAMT[0].read_bytes()) == "camt.053"
    assert detect_format(_by_name("mt940.sta").read_bytes()) == "mt940"  # starts with an SOH byte

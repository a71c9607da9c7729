"""Salesforce records → canonical customers, from Salesforce's own recorded responses."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from connectors.salesforce.mapping import (
    CustomFields, account_to_customer, contact_to_customer, country_code, parse_datetime, record_id,
)
from hub import jsonutil
from hub import canonical
from tests.support.fixtures import FIXTURES as SHARED

FIXTURES = SHARED / "salesforce"
NO_CUSTOM = CustomFields()


def _records(name: str) -> list[dict]:
    return jsonutil.loads((FIXTURES / name).read_bytes())["records"]


def test_every_account_of_the_query_fixture_maps_to_a_valid_customer():
    records = _records("query_account.json")
    customers = [canonical.check("customer", account_to_customer(r, NO_CUSTOM)) for r in records]
    assert [c["name"] for c in customers] == [
        "An awesome test account", "Global Media", "Acme", "salesforce.com", "Sample Account for Entitlements"]
    assert customers[0]["external_refs"] == [{"system": "salesforce", "id": "001B000001LntWlIAJ"}]
    assert all(c["attributes"] == {"sobject": "Account"} for c in customers)


def test_accounts_and_their_subquery_contacts_map_to_valid_customers():
    accounts = _records("query_account_contacts_subquery.json")
    mapped = [canonical.check("customer", account_to_customer(a, NO_CUSTOM)) for a in accounts]
    contacts = [canonical.check("customer", contact_to_customer(c, NO_CUSTOM))
                for a in accounts for c in a["Contacts"]["records"]]
    assert mapped[1]["name"] == "United Oil & Gas, UK"
    assert [c["name"] for c in contacts] == [
        "Edna Frank", "Ashley James", "Tom Ripley", "Liz D'Cruz", "Rose Gonzalez", "Sean Forbes", "Jack Rogers"]
    assert contacts[0]["external_refs"] == [{"system": "salesforce", "id": "0037Q000007vKjpQAE"}]
    assert contacts[0]["attributes"]["sobject"] == "Contact"


def test_a_full_account_with_custom_fields():
    record = {
        "attributes": {"type": "Account", "url": "/services/data/v60.0/sobjects/Account/001000000000001AAA"},
        "Id": "001000000000001AAA", "Name": "Acme GmbH", "Phone": "+49 30 1234567",
        "BillingStreet": "Chausseestr. 1\nHaus B", "BillingCity": "Berlin", "BillingState": "BE",
        "BillingPostalCode": "10115", "BillingCountry": "Germany",
        "Billing_Email__c": "AP@Acme.example", "VAT_Number__c": "DE123456789", "Credit_Limit__c": jsonutil.loads("50000.5"),
        "CurrencyIsoCode": "EUR", "SystemModstamp": "2024-05-01T09:30:00.000+0000",
    }
    fields = CustomFields(email="Billing_Email__c", tax_id="VAT_Number__c", credit_limit="Credit_Limit__c",
                          currency="CurrencyIsoCode")
    customer = canonical.check("customer", account_to_customer(record, fields))
    assert customer == {
        "name": "Acme GmbH", "email": "ap@acme.example", "phone": "+49 30 1234567", "tax_id": "DE123456789",
        "currency": "EUR", "credit_limit": jsonutil.loads("50000.50"),
        "addresses": [{"kind": "billing", "line1": "Chausseestr. 1", "line2": "Haus B", "city": "Berlin",
                       "region": "BE", "postal_code": "10115", "country": "DE"}],
        "external_refs": [{"system": "salesforce", "id": "001000000000001AAA", "version": "2024-05-01T09:30:00+00:00"}],
        "attributes": {"sobject": "Account"},
    }


def test_a_contact_with_email_account_and_mailing_address():
    record = {"Id": "003000000000001AAA", "FirstName": "Bob", "LastName": "Norman", "Name": "Bob Norman",
              "Email": "bob@hostmail.com", "AccountId": "001000000000001AAA",
              "Account": {"attributes": {"type": "Account"}, "Name": "Acme GmbH"},
              "MailingCity": "Louisville", "MailingCountry": "US"}
    customer = canonical.check("customer", contact_to_customer(record, CustomFields(default_currency="USD")))
    assert customer["email"] == "bob@hostmail.com"
    assert customer["currency"] == "USD"
    assert customer["addresses"] == [{"kind": "billing", "company": "Acme GmbH", "city": "Louisville", "country": "US"}]
    assert customer["attributes"] == {"sobject": "Contact", "account_id": "001000000000001AAA"}


@pytest.mark.parametrize(("given", "expected"), [
    ("de", "DE"), ("United States", "US"), ("Narnia", None), (None, None), ("", None),
], ids=["code", "name", "unknown", "none", "empty"])
def test_country_code(given, expected):
    assert country_code(given) == expected


def test_unusable_email_is_left_out_rather_than_failing_the_record():
    customer = contact_to_customer({"Id": "003x", "LastName": "Typo", "Email": "typo@nowhere"}, NO_CUSTOM)
    assert "email" not in customer
    canonical.check("customer", customer)


@pytest.mark.parametrize(("stamps", "version"), [
    ({"SystemModstamp": "2024-05-01T11:30:00.000+0200", "LastModifiedDate": "2024-05-01T08:00:00.000+0000"},
     "2024-05-01T09:30:00+00:00"),
    ({"LastModifiedDate": "2024-05-01T08:00:00.000+0000"}, "2024-05-01T08:00:00+00:00"),
    ({}, None),
], ids=["modstamp", "last-modified", "none"])
def test_the_external_ref_is_versioned_by_the_last_write(stamps, version):
    (ref,) = contact_to_customer({"Id": "003x", "LastName": "Lee", **stamps}, NO_CUSTOM)["external_refs"]
    assert ref.get("version") == version


def test_record_id_prefers_id_then_the_url_tail():
    assert record_id({"Id": "001A", "attributes": {"url": "/x/001B"}}) == "001A"
    assert record_id({"attributes": {"url": "/services/data/v53.0/sobjects/Account/001B"}}) == "001B"


@pytest.mark.parametrize("text", ["2024-05-01T09:30:00.000+0000", "2024-05-01T11:30:00.000+0200",
                                  "2024-05-01T09:30:00Z"], ids=["utc", "offset", "zulu"])
def test_parse_datetime(text):
    assert parse_datetime(text) == datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)

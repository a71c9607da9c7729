"""HubSpot objects → canonical customers, from recorded CRM v3 search responses."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from connectors.hubspot.mapping import (
    CustomProperties, company_to_customer, contact_to_customer, modified_at, parse_datetime,
)
from hub import jsonutil
from hub import canonical
from tests.support.fixtures import FIXTURES as SHARED

FIXTURES = SHARED / "hubspot"


@pytest.mark.parametrize(("fixture", "expected"), [
    ("search_contacts_page1.json", {
        "name": "Johnnie Heller", "email": "johnnie77@hotmail.com",
        "external_refs": [{"system": "hubspot", "id": "501", "version": "2025-01-27T19:53:15.581000+00:00"}],
        "attributes": {"object": "contacts"}}),
    ("search_contacts_page2_last.json", {
        "name": "Johnnie Conroy", "email": "kaseyweissnat@volkman.biz", "phone": "9199767082",
        "external_refs": [{"system": "hubspot", "id": "103107104018", "version": "2025-03-01T19:26:12.592000+00:00"}],
        "attributes": {"object": "contacts"}}),
], ids=["page1", "page2-last"])
def test_every_contact_of_the_search_fixtures_maps_to_a_valid_customer(fixture, expected):
    (record,) = jsonutil.loads((FIXTURES / fixture).read_bytes())["results"]
    customer = contact_to_customer(record, CustomProperties())
    assert customer == expected
    canonical.check("customer", customer)


def test_modified_at_reads_lastmodifieddate_of_contacts():
    (record,) = jsonutil.loads((FIXTURES / "search_contacts_page1.json").read_bytes())["results"]
    assert modified_at(record, "lastmodifieddate") == datetime(2025, 1, 27, 19, 53, 15, 581000, tzinfo=timezone.utc)


def test_modified_at_falls_back_to_updated_at():
    assert modified_at({"properties": {}, "updatedAt": "2025-01-01T00:00:00Z"}, "hs_lastmodifieddate") == \
        datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(("record", "version"), [
    ({"id": "7", "updatedAt": "2025-01-27T19:53:15.581Z", "properties": {"hs_lastmodifieddate": "1738000000000"}},
     "2025-01-27T19:53:15.581000+00:00"),
    ({"id": "7", "properties": {"hs_lastmodifieddate": "1738007595581"}}, "2025-01-27T19:53:15.581000+00:00"),
    ({"id": "7", "properties": {}}, None),
], ids=["updatedAt", "modified-property", "none"])
def test_the_external_ref_is_versioned_by_the_last_change(record, version):
    (ref,) = company_to_customer(record, CustomProperties())["external_refs"]
    assert ref.get("version") == version


def test_a_company_with_address_and_custom_properties():
    record = {"id": "9001", "archived": False, "properties": {
        "name": "Acme GmbH", "domain": "acme.example", "phone": "+49 30 1234567", "address": "Chausseestr. 1",
        "address2": "Haus B", "city": "Berlin", "state": "Berlin", "zip": "10115", "country": "Germany",
        "vat_number": "DE123456789", "credit_limit": "50000", "currency": "eur", "billing_email": "ap@acme.example"}}
    custom = CustomProperties(tax_id="vat_number", credit_limit="credit_limit", currency="currency", email="billing_email")
    customer = canonical.check("customer", company_to_customer(record, custom))
    assert customer["name"] == "Acme GmbH"
    assert customer["email"] == "ap@acme.example"
    assert (customer["tax_id"], customer["currency"], str(customer["credit_limit"])) == ("DE123456789", "EUR", "50000.00")
    assert customer["addresses"] == [{"kind": "billing", "line1": "Chausseestr. 1", "line2": "Haus B", "city": "Berlin",
                                      "region": "Berlin", "postal_code": "10115", "country": "DE"}]
    assert customer["attributes"] == {"object": "companies", "domain": "acme.example"}


def test_a_company_without_a_name_is_named_by_its_domain():
    customer = company_to_customer({"id": "1", "properties": {"name": None, "domain": "globex.example"}}, CustomProperties())
    assert canonical.check("customer", customer)["name"] == "globex.example"


def test_contact_company_goes_on_the_address_and_unknown_countries_are_left_out():
    record = {"id": "7", "properties": {"firstname": "Bob", "email": "bob@x.example", "company": "Acme",
                                        "city": "Springfield", "country": "Freedonia"}}
    customer = canonical.check("customer", contact_to_customer(record, CustomProperties(default_currency="USD")))
    assert customer["addresses"] == [{"kind": "billing", "company": "Acme", "city": "Springfield"}]
    assert customer["currency"] == "USD"


@pytest.mark.parametrize("value", ["2024-05-01T09:30:00Z", "2024-05-01T09:30:00.000Z", "1714555800000"],
                         ids=["iso", "iso-millis", "epoch-millis"])
def test_parse_datetime(value):
    assert parse_datetime(value) == datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)

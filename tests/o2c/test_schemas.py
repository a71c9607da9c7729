"""The canonical schemas are valid Draft 2020-12 and document every property."""

from __future__ import annotations

import json

import jsonschema
import pytest

from hub.canonical import SCHEMA_DIR, known_entities, validate_record

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.schema.json"))


def _properties(node, path=""):
    """Every declared (path, property schema) under ``node``; ``if`` conditions only test."""
    if isinstance(node, dict):
        for name, spec in node.get("properties", {}).items():
            yield f"{path}/{name}", spec
        for key, value in node.items():
            if key == "if":
                continue
            yield from _properties(value, f"{path}/{key}" if key != "properties" else path)
    elif isinstance(node, list):
        for item in node:
            yield from _properties(item, path)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path):
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_property_has_title_description_and_examples(path):
    schema = json.loads(path.read_text())
    missing = [
        f"{where}: {key}" for where, spec in _properties(schema)
        for key in ("title", "description", "examples") if key not in spec
    ]
    assert missing == []


@pytest.mark.parametrize("entity", known_entities())
def test_schema_examples_are_valid_records(entity):
    schema = json.loads((SCHEMA_DIR / f"{entity}.schema.json").read_text())
    for example in schema["examples"]:
        assert validate_record(entity, example) == []


def test_known_entities():
    assert known_entities() == [
        "bank_transaction", "customer", "external_ref", "fulfillment", "invoice", "payment",
        "payment_application", "product", "sales_order",
    ]


def test_unknown_entity_names_the_known_ones():
    with pytest.raises(LookupError, match="known entities: bank_transaction, customer, external_ref"):
        validate_record("order", {})

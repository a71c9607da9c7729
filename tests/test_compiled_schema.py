"""The compiled validity check says what jsonschema says: on every canonical schema, for records
generated from the schema itself (its examples, then random damage at any depth), and on the
keywords whose meaning is easy to get wrong."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from hub.canonical import load_catalog, validate_record
from hub.compiled_schema import compile_schema

RECORDS_PER_ENTITY = 1500
ODD_VALUES = [None, True, False, 0, 1, -1, 0.5, 1.0, Decimal("0"), Decimal("-0.01"), Decimal("12.345"), 10**20,
              "", " ", "x", "EUR", "eur", "2024-02-30", "2024-03-01", "2024-03-01T10:00:00Z", "a@b.example",
              "DE44500105175407324931", "RF18539007547034", "RF00 0000", "#1001", "\u00e9\u00e8", [], [1], {},
              {"x": 1}, "999999999999999999999"]


def generate(schema: Any, rnd: random.Random, depth: int = 0) -> Any:
    """A value for ``schema``: mostly built as the schema asks (from its examples where it has
    some), sometimes damaged (a wrong value, a key left out or added)."""
    if rnd.random() < 0.03:
        return rnd.choice(ODD_VALUES)
    if not isinstance(schema, dict):
        return rnd.choice(ODD_VALUES)
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in schema and rnd.random() < 0.5:
            picked = rnd.choice(schema[keyword])
            merged = {k: v for k, v in schema.items() if k != keyword}
            if isinstance(picked, dict):
                merged = {**picked, **merged,
                          "properties": {**picked.get("properties", {}), **merged.get("properties", {})}}
            return generate(merged, rnd, depth)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rnd.choice(schema["enum"])
    kinds = schema.get("type", "object" if "properties" in schema else None)
    kind = rnd.choice(kinds) if isinstance(kinds, list) else kinds
    if schema.get("examples") and kind not in ("object", "array"):
        return rnd.choice(schema["examples"])
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        record = {name: generate(sub, rnd, depth + 1) for name, sub in properties.items()
                  if name in required or (depth < 4 and rnd.random() < 0.5)}
        if required and rnd.random() < 0.05:
            record.pop(rnd.choice(sorted(required)), None)
        if rnd.random() < 0.05:
            record["unexpected"] = 1
        return record
    if kind == "array":
        return [generate(schema.get("items", {}), rnd, depth + 1) for _ in range(rnd.choice((0, 1, 1, 2, 3)))]
    if kind == "string":
        return rnd.choice(["ABC-1", "x" * rnd.randint(0, 40), "2024-03-01", "EUR", "a@b.example"])
    if kind in ("number", "integer"):
        return rnd.choice([0, 1, 2, -3, Decimal("19.99"), Decimal("-0.5"), 2.5, 10**12])
    if kind == "boolean":
        return rnd.choice([True, False])
    return rnd.choice(ODD_VALUES)


@pytest.mark.parametrize("entity", sorted(load_catalog().schemas))
def test_the_compiled_check_decides_as_jsonschema_on_generated_records(entity):
    catalog = load_catalog()
    compiled, validator = catalog.checks[entity], catalog.validators[entity]
    assert compiled != validator.is_valid, f"{entity}'s schema was not compiled"
    rnd = random.Random(f"compiled-{entity}")
    decisions = {True: 0, False: 0}
    for _ in range(RECORDS_PER_ENTITY):
        record = generate(catalog.schemas[entity], rnd)
        expected = validator.is_valid(record)
        assert compiled(record) == expected, (entity, record, [e.message for e in validator.iter_errors(record)])
        decisions[expected] += 1
    # both answers are well represented, or the comparison proves little
    assert min(decisions.values()) > RECORDS_PER_ENTITY // 20, decisions


def check_of(schema: dict):
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return compile_schema(schema, is_type=validator.is_type, conforms=validator.format_checker.conforms), validator


@pytest.mark.parametrize("schema, instances", [
    ({"type": "number"}, [1, 1.5, Decimal("2.50"), True, False, "1", None]),
    ({"type": "integer"}, [1, 1.0, 1.5, Decimal("2"), True, "1"]),
    ({"type": ["string", "integer"]}, ["a", 3, 3.5, None]),
    ({"const": 0}, [0, 0.0, Decimal("0.00"), False, "0", None]),
    ({"enum": ["a", "b"]}, ["a", "c", None, ["a"]]),
    ({"enum": [1, None]}, [1, True, None, 1.0, "1"]),
    ({"exclusiveMinimum": 0, "maximum": Decimal("10.5")}, [0, 0.01, Decimal("10.5"), 10.51, True, "5", None]),
    ({"minLength": 2, "maxLength": 3, "pattern": "^[A-Z]"}, ["AB", "A", "ABCD", "ab", 7, None]),
    ({"properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False},
     [{"a": "x"}, {"a": 1}, {}, {"a": "x", "b": 1}, [], "a"]),
    ({"properties": {"a": {}}, "additionalProperties": {"type": "integer"}}, [{"a": "x", "b": 1}, {"b": "x"}]),
    ({"dependentRequired": {"a": ["b"]}}, [{"a": 1}, {"a": 1, "b": 2}, {"b": 2}, []]),
    ({"items": {"type": "integer"}, "minItems": 1}, [[1, 2], [], [1, "2"], {"0": 1}]),
    ({"if": {"properties": {"kind": {"const": "credit"}}}, "then": {"required": ["reason"]}},
     [{"kind": "credit"}, {"kind": "credit", "reason": "r"}, {"kind": "applied"}]),
    ({"anyOf": [{"required": ["name"]}, {"required": ["email"]}], "not": {"required": ["both"]}},
     [{"name": 1}, {"email": 1}, {}, {"name": 1, "both": 1}]),
    ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, [1, -1, 0.5, -0.5]),
    ({"format": "date"}, ["2024-02-29", "2023-02-29", 5]),
])
def test_the_keywords_mean_what_they_mean_to_jsonschema(schema, instances):
    compiled, validator = check_of(schema)
    assert [compiled(i) for i in instances] == [validator.is_valid(i) for i in instances]


def test_a_keyword_it_does_not_implement_leaves_the_schema_to_jsonschema():
    assert check_of({"type": "array", "uniqueItems": True})[0] is None
    assert check_of({"then": {"patternProperties": {"^x": {}}}})[0] is None
    assert check_of({"items": {"properties": {"a": {"prefixItems": []}}}})[0] is None
    assert check_of({"type": "array", "items": {"type": "integer"}})[0] is not None


def test_an_invalid_record_still_gets_every_message():
    problems = validate_record("sales_order", {"number": "SO-1", "currency": "euro", "lines": "x"})
    assert any(p.startswith("currency:") for p in problems) and any(p.startswith("lines:") for p in problems)

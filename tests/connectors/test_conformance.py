"""Every installed connector honours the contract (runs over the entry-point registry)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from jsonschema import Draft202012Validator

from hub.connector import Connector
from hub.registry import ConnectorRegistry

REGISTRY = ConnectorRegistry.from_entry_points()
NAMES = REGISTRY.names()
SECRET_NAME = re.compile(r"(^|_)(token|secret|password|passphrase|webhook_url|api_key|private_key)$")


def _properties(schema: dict, path: str = "") -> Iterator[tuple[str, str, dict]]:
    """(path, name, subschema) of every property, nested objects and map values included."""
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}/{name}", name, sub
        yield from _properties(sub, f"{path}/{name}")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _properties(extra, f"{path}/*")


@pytest.fixture(params=NAMES, ids=NAMES)
def kind(request) -> type[Connector]:
    return REGISTRY.get(request.param)


def test_the_built_in_connectors_are_registered():
    assert {"http", "slack"} <= set(NAMES)


def test_schema_is_valid_json_schema(kind):
    Draft202012Validator.check_schema(kind.config_schema)


def test_every_property_is_documented(kind):
    undocumented = [p for p, _, sub in _properties(kind.config_schema) if not sub.get("description")]
    assert undocumented == []


def _looks_secret(path: str, name: str, sub: dict) -> bool:
    # A group such as auth/api_key holds its secret in a child (value), which is checked itself.
    if "properties" in sub:
        return False
    return bool(SECRET_NAME.search(name)) or path.endswith("api_key/value")


def test_secret_looking_properties_are_marked(kind):
    unmarked = [p for p, name, sub in _properties(kind.config_schema)
                if _looks_secret(p, name, sub) and sub.get("secret") is not True]
    assert unmarked == []


def test_schema_has_a_valid_minimal_example(kind):
    examples = kind.config_schema.get("examples") or []
    assert examples, "config_schema needs top-level examples (the first is the minimal config)"
    for example in examples:
        Draft202012Validator(kind.config_schema).validate(example)


def test_from_config_on_the_minimal_example(kind):
    connection = kind.from_config("conformance", kind.config_schema["examples"][0])
    try:
        assert isinstance(connection, Connector)
        assert all(callable(action) for action in connection.actions().values())
        assert isinstance(connection.resources(), frozenset)
        assert isinstance(connection.accepts_webhooks(), bool)
    finally:
        connection.close()

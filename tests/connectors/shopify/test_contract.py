"""The shopify connector honours the connector contract (the checks the conformance suite runs over
every installed connector, applied here through a registry of our own)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from connectors.shopify import ShopifyConnector
from hub.registry import ConnectorRegistry
from tests.connectors import test_conformance as conformance


@pytest.fixture
def kind():
    registry = ConnectorRegistry()
    registry.register(ShopifyConnector, name="shopify")
    return registry.get("shopify")


def test_schema_is_valid_and_documented(kind):
    Draft202012Validator.check_schema(kind.config_schema)
    conformance.test_every_property_is_documented(kind)
    assert all(sub.get("title") and sub.get("examples") for _, _, sub in conformance._properties(kind.config_schema))


def test_secrets_are_marked(kind):
    conformance.test_secret_looking_properties_are_marked(kind)


def test_examples_are_valid_and_the_first_builds(kind):
    conformance.test_schema_has_a_valid_minimal_example(kind)
    conformance.test_from_config_on_the_minimal_example(kind)

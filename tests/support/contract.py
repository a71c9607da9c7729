"""The connector contract for one connector: the checks the conformance suite runs over every
installed connector, applied through a registry of the test's own.

    class TestStripeContract(ContractChecks):
        connector, name = StripeConnector, "stripe"
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from jsonschema import Draft202012Validator

from hub.connector import Connector
from hub.registry import ConnectorRegistry
from tests.connectors import test_conformance as conformance


class ContractChecks:
    """Subclass as ``Test…`` and set ``connector`` and ``name``."""

    connector: ClassVar[type[Connector]]
    name: ClassVar[str]

    @pytest.fixture
    def kind(self):
        registry = ConnectorRegistry()
        registry.register(self.connector, name=self.name)
        return registry.get(self.name)

    def test_schema_is_valid_and_documented(self, kind):
        Draft202012Validator.check_schema(kind.config_schema)
        conformance.test_every_property_is_documented(kind)
        assert all(sub.get("title") and sub.get("examples") for _, _, sub in conformance._properties(kind.config_schema))

    def test_secrets_are_marked(self, kind):
        conformance.test_secret_looking_properties_are_marked(kind)

    def test_examples_are_valid_and_the_first_builds(self, kind):
        conformance.test_schema_has_a_valid_minimal_example(kind)
        conformance.test_from_config_on_the_minimal_example(kind)

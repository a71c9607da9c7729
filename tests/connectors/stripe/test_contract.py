"""The stripe connector honours the connector contract (the checks the conformance suite runs over
every installed connector, applied here through a registry of our own)."""

from __future__ import annotations

from connectors.stripe import StripeConnector
from tests.support.contract import ContractChecks


class TestStripeContract(ContractChecks):
    connector, name = StripeConnector, "stripe"

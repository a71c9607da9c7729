"""The shopify connector honours the connector contract (the checks the conformance suite runs over
every installed connector, applied here through a registry of our own)."""

from __future__ import annotations

from connectors.shopify import ShopifyConnector
from tests.support.contract import ContractChecks


class TestShopifyContract(ContractChecks):
    connector, name = ShopifyConnector, "shopify"

"""Products as Tryton templates with one variant whose code is the SKU.

The SKU is the stable key: ``product.product`` is searched by ``code`` before a template is
created. Units are looked up by symbol or name (``unit`` → ``u``); the accounting category
is the configured one, else the first category flagged for accounting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.tryton import mapping
from connectors.tryton.client import TrytonClient
from hub.errors import FatalError

ACTION = "upsert_product"
UNIT_ALIASES = {"unit": "u", "units": "u", "each": "u", "ea": "u", "pc": "u", "pcs": "u", "piece": "u",
                "hour": "h", "hours": "h", "hr": "h", "kilogram": "kg", "day": "d", "days": "d"}
SERVICE_UNITS = frozenset({"h", "d", "min"})


class Catalog:
    """Find, create and update products by SKU."""

    def __init__(self, client: TrytonClient, *, category: str | None = None):
        self.client = client
        self.category = category

    def upsert(self, product: Mapping[str, Any], *, action: str = ACTION) -> dict[str, Any]:
        """Create the product or update its name, list price and salable flag; ``{id, template, created}``."""
        found = self.find(product["sku"], action=action)
        if found is None:
            return {**self.create(product, action=action), "created": True}
        template, = self.client.read("product.template", [found["template"]], ["name", "list_price", "salable"],
                                     action=action)
        changes = mapping.template_changes(product, template)
        self.client.write("product.template", [template["id"]], changes, action=action)
        return {"id": found["id"], "template": found["template"], "created": False}

    def find(self, sku: str, *, action: str = ACTION) -> dict[str, Any] | None:
        """``{id, template, sale_uom}`` of the product with code ``sku`` (active or not), or None."""
        rows = self.client.search_read("product.product", [("code", "=", sku), ("active", "in", [True, False])],
                                       ["template", "sale_uom"], limit=1, order=[("id", "ASC")], action=action)
        return rows[0] if rows else None

    def ensure(self, line: Mapping[str, Any], currency: str, *, action: str) -> dict[str, Any]:
        """The product of an order line, created from the line when the SKU is new."""
        found = self.find(line["sku"], action=action)
        if found is not None:
            return found
        product = {"sku": line["sku"], "name": line.get("description") or line["sku"], "unit": line.get("unit"),
                   "unit_price": line.get("unit_price"), "currency": currency}
        self.create({k: v for k, v in product.items() if v is not None}, action=action)
        return self.find(line["sku"], action=action)

    def ensure_service(self, sku: str, name: str, *, action: str) -> dict[str, Any]:
        """The service product coded ``sku`` (shipping, adjustments), created when new."""
        return self.find(sku, action=action) or {
            **self.create({"sku": sku, "name": name, "service": True}, action=action),
            "sale_uom": self.uom(None, action=action)[0]}

    def create(self, product: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """Create a salable template with one variant coded ``sku`` (a service for hours,
        days and minutes, or when ``product["service"]``; goods otherwise)."""
        uom_id, symbol = self.uom(product.get("unit"), action=action)
        kind = "service" if symbol in SERVICE_UNITS or product.get("service") else "goods"
        values = mapping.template_values(product, uom_id=uom_id, category_id=self.category_id(action), kind=kind)
        template_id, = self.client.create("product.template", [values], action=action)
        return {"id": self.find(product["sku"], action=action)["id"], "template": template_id}

    def uom(self, unit: str | None, *, action: str) -> tuple[int, str]:
        """(id, symbol) of the unit of measure named ``unit`` (default: Unit)."""
        wanted = UNIT_ALIASES.get((unit or "unit").lower(), unit or "u")
        domain = ["OR", ("symbol", "=", wanted), ("name", "ilike", wanted)]
        rows = self.client.search_read("product.uom", domain, ["symbol"], limit=1, order=[("id", "ASC")], action=action)
        if not rows:
            raise FatalError(f"Tryton has no unit of measure {unit!r}", connection=self.client.connection, action=action)
        return rows[0]["id"], rows[0]["symbol"]

    def category_id(self, action: str) -> int | None:
        """The accounting category new products get (revenue account for invoices)."""
        domain: list = [("accounting", "=", True)]
        if self.category:
            domain.append(("name", "=", self.category))
        ids = self.client.search("product.category", domain, limit=1, order=[("id", "ASC")], action=action)
        if self.category and not ids:
            raise FatalError(f"Tryton has no accounting product category {self.category!r}",
                             connection=self.client.connection, action=action)
        return ids[0] if ids else None

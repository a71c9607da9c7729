"""Canonical sales orders as confirmed Odoo sale orders, to the storefront's cent.

The order number is the stable key: it is the order's ``client_order_ref``, searched before an
order is created; a retried call finds the order and only finishes what is left (the total
check, the confirmation), so no second order is ever made. ``look_up`` is the action's lookup
(hub/connector.py): what ``create`` answers again, when the order is already confirmed; a
draft is left to ``create`` to finish.

Amounts: every line is booked before tax, with the Odoo sale taxes of its rates and a net unit
price (prices that include tax become net amounts with the storefront's own tax figures; all
discounts are inside the amount, not in Odoo's percentage ``discount``, which cannot hold an
arbitrary amount exactly). Shipping is a line of its own on a service product with its tax.
Odoo keeps unit prices at its "Product Price" precision, read from the database: a line whose
net amount is no whole number of price steps per unit is split into two prices (see
``mapping.price_parts``). Odoo then computes the tax itself (round per line by default); where
its total still differs from the storefront's, one untaxed adjustment line written while the
order is a draft makes the totals equal, and the answer reports it. Then the order is confirmed.

Cancellation (``cancel``) is Odoo's ``action_cancel`` with ``disable_cancel_warning`` in the
context (else Odoo answers the wizard that offers to e-mail the customer, and cancels nothing):
the order and its draft invoices are cancelled; its posted invoices are credited first
(connectors.odoo.refunds).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from connectors.odoo import mapping
from connectors.odoo.taxes import SaleTaxes
from hub.errors import FatalError
from hub.o2c.orders.net_lines import NetLine, net_lines, total_difference
from hub.money import minor_unit

SHIPPING_CODE = "SHIPPING"
ADJUSTMENT_CODE = "ADJUSTMENT"
SALE_FIELDS = ["name", "state", "currency_id", "amount_untaxed", "amount_tax", "amount_total"]
DRAFT_STATES = ("draft", "sent")


class SaleOrders:
    """Create, match and confirm ``sale.order`` records."""

    def __init__(self, call: Callable[..., Any], *, connection: str, taxes: SaleTaxes,
                 partner_id: Callable[[Mapping[str, Any]], int], shipping_code: str = SHIPPING_CODE,
                 adjustment_code: str = ADJUSTMENT_CODE):
        self.call, self.connection, self.taxes, self.partner_id = call, connection, taxes, partner_id
        self.shipping_code, self.adjustment_code = shipping_code, adjustment_code
        self.settings: dict[str, Any] = {}

    def create(self, order: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """The confirmed order of ``order`` (made once): ``{id, name, state, amount_untaxed,
        amount_tax, amount_total, adjustment, created}``."""
        sale_id = self.find(order["number"], action=action)
        created = sale_id is None
        if sale_id is None:
            sale_id = self.insert(order, action=action)
        adjustment = self.match_total(sale_id, order, action=action)
        if self.read(sale_id, action=action)["state"] in DRAFT_STATES:
            self.call("sale.order", "action_confirm", [sale_id], action=action)
        sale = self.read(sale_id, action=action)
        return {**sale_result(sale, order["currency"]), "adjustment": adjustment, "created": created}

    def look_up(self, order: Mapping[str, Any], *, action: str) -> dict[str, Any] | None:
        """What ``create`` answers when called again for ``order`` once its sale order is
        confirmed (``created`` false); None when there is no live order of its number, or a draft
        one (``create`` finishes it)."""
        sale_id = self.find(order["number"], action=action)
        if sale_id is None:
            return None
        sale = self.read(sale_id, action=action)
        if sale["state"] in DRAFT_STATES:
            return None
        adjustment = self.adjustment_of(sale_id, order["currency"], action=action)
        return {**sale_result(sale, order["currency"]), "adjustment": adjustment, "created": False}

    def find(self, number: str, *, action: str) -> int | None:
        """The id of the live (not cancelled) order whose client_order_ref is ``number``."""
        rows = self.call("sale.order", "search_read", [("client_order_ref", "=", number), ("state", "!=", "cancel")],
                         ["id"], action=action, limit=1, order="id asc")
        return rows[0]["id"] if rows else None

    def find_any(self, number: str, *, action: str) -> dict[str, Any]:
        """The order whose client_order_ref is ``number`` (the live one, else the last cancelled
        one) with its ``invoice_ids``."""
        sale_id = self.find(number, action=action)
        if sale_id is None:
            rows = self.call("sale.order", "search_read", [("client_order_ref", "=", number)], ["id"], action=action,
                             order="id desc")
            sale_id = max((row["id"] for row in rows), default=None)
        if sale_id is None:
            raise FatalError(f"Odoo has no sale order for order {number}", connection=self.connection, action=action)
        [sale] = self.call("sale.order", "read", [sale_id], [*SALE_FIELDS, "invoice_ids"], action=action)
        return sale

    def cancel(self, sale_id: int, *, action: str) -> None:
        """Cancel the order and its draft invoices (Odoo's action_cancel, without the wizard that
        offers to e-mail the customer about it); a cancelled order is left as it is."""
        if self.read(sale_id, action=action)["state"] != "cancel":
            self.call("sale.order", "action_cancel", [sale_id], action=action,
                      context={"disable_cancel_warning": True})
            if self.read(sale_id, action=action)["state"] != "cancel":
                raise FatalError(f"Odoo did not cancel sale order {sale_id} (a locked order must be unlocked first)",
                                 connection=self.connection, action=action)

    def read(self, sale_id: int, *, action: str) -> dict[str, Any]:
        [sale] = self.call("sale.order", "read", [sale_id], SALE_FIELDS, action=action)
        return sale

    def insert(self, order: Mapping[str, Any], *, action: str) -> int:
        """Create the draft order with its lines, shipping charges and taxes."""
        if not order.get("lines"):
            raise FatalError(f"order {order['number']} has no lines", connection=self.connection, action=action)
        self.check_price_digits(order["currency"], action=action)
        partner = self.partner_id(order.get("customer") or {})
        lines = [values for line in net_lines(order, shipping_sku=self.shipping_code)
                 for values in self.line_values(line, order["currency"], action=action)]
        values = mapping.order_values(order, partner_id=partner, lines=lines,
                                      pricelist_id=self.pricelist_id(order["currency"], action=action))
        [sale_id] = self.call("sale.order", "create", [values], action=action)
        return sale_id

    def line_values(self, line: NetLine, currency: str, *, action: str) -> list[dict[str, Any]]:
        """The order line(s) of one canonical line: one per unit price (see ``mapping.price_parts``)."""
        tax_ids = self.taxes.ids(line.tax_rates, action=action)
        product_id = self.product_id(line, action=action)
        return [mapping.order_line_values(line, product_id=product_id, quantity=quantity, price_unit=price,
                                          tax_field=self.tax_field(action=action), tax_ids=tax_ids)
                for quantity, price in mapping.price_parts(line.net_amount, line.quantity, self.price_digits(action=action),
                                                          currency)]

    def match_total(self, sale_id: int, order: Mapping[str, Any], *, action: str) -> Decimal:
        """Book the difference between the storefront's total and the draft order's on one
        untaxed adjustment line; returns it. An order past draft was matched before."""
        sale = self.read(sale_id, action=action)
        difference = total_difference(order, mapping.exact(sale["amount_total"], order["currency"]))
        if sale["state"] not in DRAFT_STATES or not difference:
            return self.adjustment_of(sale_id, order["currency"], action=action)
        product_id = self.service_id(self.adjustment_code, "Adjustment to the order total", action=action)
        line = mapping.adjustment_line_values(order, difference, product_id=product_id,
                                              tax_field=self.tax_field(action=action))
        self.call("sale.order", "write", [sale_id], {"order_line": [[0, 0, line]]}, action=action)
        return difference

    def adjustment_of(self, sale_id: int, currency: str, *, action: str) -> Decimal:
        """The amount already on the order's adjustment line (0 when it has none)."""
        product = self.product_by_code(self.adjustment_code, action=action)
        if product is None:
            return mapping.exact(0, currency)
        rows = self.call("sale.order.line", "search_read", [("order_id", "=", sale_id), ("product_id", "=", product)],
                         ["price_subtotal"], action=action)
        return sum((mapping.exact(row["price_subtotal"], currency) for row in rows), mapping.exact(0, currency))

    # --- products, settings -------------------------------------------------------------------

    def product_id(self, line: NetLine, *, action: str) -> int | None:
        """The product of a line: its SKU's (created when missing), shipping's service, or none."""
        if line.sku == self.shipping_code:
            return self.service_id(self.shipping_code, "Shipping", action=action)
        if not line.sku:
            return None
        found = self.product_by_code(line.sku, action=action)
        if found is not None:
            return found
        values = mapping.product_values(line, price_digits=self.price_digits(action=action))
        return self.call("product.product", "create", [values], action=action)[0]

    def service_id(self, code: str, name: str, *, action: str) -> int:
        """The service product ``code`` (shipping, adjustment), created when missing."""
        found = self.product_by_code(code, action=action)
        if found is not None:
            return found
        return self.call("product.product", "create", [mapping.service_values(code, name)], action=action)[0]

    def product_by_code(self, code: str, *, action: str) -> int | None:
        rows = self.call("product.product", "search_read", [("default_code", "=", code)], ["id"], action=action, limit=1)
        return rows[0]["id"] if rows else None

    def price_digits(self, *, action: str) -> int:
        """Decimals of Odoo's "Product Price" precision (2 unless the database says otherwise)."""
        if "digits" not in self.settings:
            rows = self.call("decimal.precision", "search_read", [("name", "=", "Product Price")], ["digits"],
                             action=action, limit=1)
            self.settings["digits"] = int(rows[0]["digits"]) if rows else 2
        return self.settings["digits"]

    def check_price_digits(self, currency: str, *, action: str) -> None:
        """Refuse a currency whose cents (fils, ...) Odoo's unit prices cannot hold."""
        digits = self.price_digits(action=action)
        if minor_unit(currency) > digits:
            raise FatalError(f"Odoo keeps unit prices at {digits} decimals, too few for {currency} amounts "
                             f"({minor_unit(currency)} decimals): raise the Product Price precision (Settings > "
                             "Technical > Decimal Accuracy)", connection=self.connection, action=action)

    def tax_field(self, *, action: str) -> str:
        """The taxes field of sale.order.line: ``tax_ids`` since Odoo 19, ``tax_id`` before."""
        if "tax_field" not in self.settings:
            fields = self.call("sale.order.line", "fields_get", action=action, allfields=["tax_id", "tax_ids"],
                               attributes=["type"])
            self.settings["tax_field"] = "tax_ids" if "tax_ids" in fields else "tax_id"
        return self.settings["tax_field"]

    def pricelist_id(self, currency: str, *, action: str) -> int | None:
        """A pricelist in ``currency`` (it sets the order's currency); None for the company's currency."""
        currencies = self.call("res.currency", "search_read", [("name", "=", currency)], ["id"], action=action, limit=1)
        if not currencies:
            raise FatalError(f"Odoo has no active currency {currency}", connection=self.connection, action=action)
        rows = self.call("product.pricelist", "search_read", [("currency_id", "=", currencies[0]["id"])], ["id"],
                         action=action, limit=1, order="sequence, id")
        if rows:
            return rows[0]["id"]
        companies = self.call("res.company", "search_read", [], ["currency_id"], action=action, limit=1)
        if companies and mapping.many2one_name(companies[0].get("currency_id")) == currency:
            return None
        raise FatalError(f"Odoo has no pricelist in {currency}, and {currency} is not the company's currency: "
                         "add a pricelist in that currency (Sales > Products > Pricelists)",
                         connection=self.connection, action=action)


def sale_result(sale: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """What create_sale_order answers: id, name, state and exact totals."""
    return {"id": sale["id"], "name": sale.get("name"), "state": sale.get("state"),
            **{key: mapping.exact(sale.get(key), currency) for key in ("amount_untaxed", "amount_tax", "amount_total")}}

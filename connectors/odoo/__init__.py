"""The ``odoo`` connector: Odoo as the ERP, over JSON-RPC or the JSON-2 API.

    connections:
      erp:
        connector: odoo
        url: https://erp.example.com
        database: prod
        api: json2                     # or jsonrpc (then also login:)
        api_key: "${ODOO_API_KEY}"

Actions: ``upsert_partner`` (customer → res.partner by ref, else e-mail), ``create_sale_order``
(sales_order → confirmed sale.order, idempotent by client_order_ref = order number, products by
default_code created when missing), ``read_invoices`` ({since?}), ``post_invoice`` ({id}|{number}),
``register_payment`` (idempotent by payment reference). Poll resource: ``invoices``.
"""

from __future__ import annotations

from connectors.odoo.connector import ODOO_CONFIG_SCHEMA, OdooConnector

__all__ = ["ODOO_CONFIG_SCHEMA", "OdooConnector"]

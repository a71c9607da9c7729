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

ERP-neutral names (the same on the tryton connector, so recipes do not depend on the ERP):
``upsert_customer`` (= upsert_partner), ``create_sales_order`` (create_sale_order, answer with
``number``), ``post_invoice``, ``record_payment`` (``{invoice: {id}|{number}|{order_number}, payment:
canonical payment}`` → ``{payment_id, created, invoice: canonical invoice}``), ``list_open_invoices``
(posted, not fully paid, canonical), ``list_sales_orders``, ``list_invoice_payments``,
``receivable_balances`` (read-only), and:

``cancel_sales_order``  sales_order or ``{number}`` → ``{sale, state: "cancelled", cancelled_invoices,
                        credit_notes, shipped}``: posted invoices credited (reversal wizard, reconciled
                        with what is still due), then the order and its draft invoices cancelled
                        (action_cancel); key: order number
``refund_payment``      ``{invoice: {id}|{number}|{order_number}, payment: negative canonical payment}``
                        → ``{invoice, credit_note, credited, paid_out, payout_move}``: a credit note for
                        the refunded lines or amount, the money paid back as outbound payments
                        (connectors.odoo.refunds); key: refund reference

Credit notes are canonical invoices of kind ``credit_note`` naming ``credits_invoice``.
"""

from __future__ import annotations

from connectors.odoo.connector import ODOO_CONFIG_SCHEMA, OdooConnector

__all__ = ["ODOO_CONFIG_SCHEMA", "OdooConnector"]

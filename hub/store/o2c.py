"""The canonical O2C tables (DESIGN §4), by area, and the entity → model map.

    o2c_parties   Customer, Product, ExternalRef
    o2c_orders    SalesOrder (+lines), Fulfillment (+lines)
    o2c_billing   Invoice (+lines, tax lines), Payment, PaymentApplication
    o2c_bank      BankTransaction
    o2c_credit    CreditCheck, ReconciliationException (decisions and differences, not entities)
    o2c_cash      MatchProposal, CustomerCredit, CustomerIban (cash application)
    o2c_dunning   DunningNotice, InvoiceCollection (disputes, promises), CreditHold

Every table keeps the full canonical document in ``data`` beside its queryable columns.
"""

from __future__ import annotations

from hub.store.o2c_bank import BankTransaction
from hub.store.o2c_billing import Invoice, InvoiceLine, InvoiceTaxLine, Payment, PaymentApplication
from hub.store.o2c_cash import CustomerCredit, CustomerIban, MatchProposal
from hub.store.o2c_credit import CreditCheck, ReconciliationException
from hub.store.o2c_dunning import CreditHold, DunningNotice, InvoiceCollection
from hub.store.o2c_orders import Fulfillment, FulfillmentLine, SalesOrder, SalesOrderLine
from hub.store.o2c_parties import Customer, ExternalRef, Product

#: The model that stores each canonical entity (by schema name).
ENTITY_MODELS = {
    "customer": Customer,
    "product": Product,
    "sales_order": SalesOrder,
    "fulfillment": Fulfillment,
    "invoice": Invoice,
    "payment": Payment,
    "payment_application": PaymentApplication,
    "bank_transaction": BankTransaction,
}

__all__ = [
    "ENTITY_MODELS", "BankTransaction", "CreditCheck", "CreditHold", "Customer", "CustomerCredit",
    "CustomerIban", "DunningNotice", "ExternalRef", "Fulfillment", "FulfillmentLine", "Invoice",
    "InvoiceCollection", "InvoiceLine", "InvoiceTaxLine", "MatchProposal", "Payment",
    "PaymentApplication", "Product", "ReconciliationException", "SalesOrder", "SalesOrderLine",
]

"""Storing a canonical record the way the O2C services need it: the store's upsert, then what
the domain derives from the record kept current.

    store_record(session, "fulfillment", record, ref=("shopify", "450789469"))  -> UpsertResult

The store (hub/store/upsert.py) validates, finds and writes the record and its external refs; it
knows nothing of order statuses. Every writer of canonical records goes through here (the
upsert step, cash application, e-invoice import, bank statements), so an order, a fulfillment or
an invoice that changed re-derives its order's status (hub/o2c/orders/facts.py) in the same
transaction, and ``sales_orders.status`` never lags behind its facts. The import contracts in
pyproject.toml let no other module call the store's upsert.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from stdnum import iban

from hub.errors import CustomerNotKnown, FatalError
from hub.o2c.orders.facts import order_number_of, refresh_order_status
from hub.store.o2c import ENTITY_MODELS, Customer, Invoice, SalesOrder
from hub.store.o2c_types import plain_json
from hub.store.upsert import Ref, UpsertResult, insert_new, upsert

__all__ = ["Ref", "UpsertResult", "settle_invoice", "store_new_records", "store_record"]


def store_record(session: Session, entity: str, record: dict[str, Any], *, ref: Ref | None = None,
                 known_customer: bool = False) -> UpsertResult:
    """Store ``record`` as ``entity`` (``ref``: where it came from, (system, external id)) and
    refresh the status of the order it belongs to when it changed anything.

    ``known_customer`` (the upsert step asks it of every invoice a run stores): an invoice is
    never kept as nobody's. When the customer it names is not in the hub, a customer named with
    a system's id (an ERP's party: the book of record of whom it invoiced) is added from what the
    invoice says of it (name, e-mail, tax id, that id); a customer named only by e-mail, tax id or
    name raises CustomerNotKnown, and the caller's transaction, rolled back, keeps nothing.

    Raises InvalidRecordError when the record does not match its schema, LookupError for an
    unknown entity, RetriableError when another session stored it at the same moment.
    """
    record, accounts = _without_accounts(record)
    result = upsert(session, entity, record, ref=ref)
    if known_customer and entity == "invoice" and record.get("customer"):
        row = session.get(ENTITY_MODELS[entity], result.id)
        if row.customer_id is None:
            row.customer_id = _customer_from(session, row.data)
    if accounts:
        _add_accounts(session, getattr(session.get(ENTITY_MODELS[entity], result.id), "customer_id", None), accounts)
    if result.changed:
        row = session.get(ENTITY_MODELS[entity], result.id)  # in the session already: no query
        refresh_order_status(session, order_number_of(entity, row.data),
                             order=row if isinstance(row, SalesOrder) else None)
    return result


def _customer_from(session: Session, invoice: dict[str, Any]) -> int:
    """The id of the customer added from ``invoice``'s customer reference, which carries a
    system's id; CustomerNotKnown when it carries none."""
    party = invoice.get("customer") or {}
    if not party.get("external_refs"):
        raise CustomerNotKnown(_customer_missing(invoice))
    known = {key: party[key] for key in ("name", "email", "tax_id", "external_refs") if party.get(key)}
    return store_record(session, "customer", known).id


def store_new_records(session: Session, entity: str, records: list[dict[str, Any]]) -> list[int]:
    """Store ``records`` the caller knows are new (no external refs, nothing stored under their
    natural key yet) in one go, each checked against its schema; their ids, in order. Refreshes
    the status of the orders they belong to, like store_record."""
    ids = insert_new(session, entity, records)
    for number in {order_number_of(entity, record) for record in records} - {None}:
        refresh_order_status(session, number)
    return ids


def settle_invoice(session: Session, invoice: Invoice, amount_due: Decimal) -> str:
    """Lower (or raise) a stored invoice's amount due to ``amount_due``, already quantized to
    its currency, as money applied to it or taken back; its status follows (paid at zero, else
    partially paid) and the status of its order is refreshed. Only these two fields change, so
    the invoice is not checked or its lines written again. Returns the new status."""
    status = "paid" if amount_due == 0 else "partially_paid"
    invoice.amount_due, invoice.status = amount_due, status
    invoice.data = {**invoice.data, "amount_due": plain_json(amount_due), "status": status}
    refresh_order_status(session, invoice.order_number)
    return status


def _without_accounts(record: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``record`` without its customer reference's bank accounts, and those accounts."""
    party = record.get("customer")
    if not isinstance(party, dict) or "bank_accounts" not in party:
        return record, []
    party = dict(party)
    accounts = party.pop("bank_accounts") or []
    return {**record, "customer": party}, accounts


def _add_accounts(session: Session, customer_id: int | None, accounts: list[dict[str, Any]]) -> None:
    """Add to the customer ``customer_id`` the ``accounts`` whose IBAN it does not list yet
    (checked by the customer's schema, like any customer change); nothing without a customer."""
    customer = session.get(Customer, customer_id) if customer_id is not None else None
    if customer is None:
        return
    listed = list(customer.data.get("bank_accounts") or [])
    known = {iban.compact(account["iban"]) for account in listed}
    new = [account for account in accounts if iban.compact(str(account.get("iban", ""))) not in known]
    if new:
        stored = store_record(session, "customer", {**customer.data, "bank_accounts": [*listed, *new]})
        if stored.id != customer_id:  # found by a natural key another customer shares
            raise FatalError(f"the bank accounts of customer {customer_id} could not be added: it has no system's id "
                             "and its e-mail, tax id or name is another customer's too; give it an external id")


def _customer_missing(invoice: dict[str, Any]) -> str:
    """Why an invoice waits, saying how it names its customer, never the name or e-mail itself."""
    party = invoice.get("customer") or {}
    named = " and ".join(label for key, label in (("email", "e-mail"), ("tax_id", "tax id"), ("name", "name"))
                         if party.get(key))
    return (f"invoice {invoice.get('number')} names a customer by {named} (no system's id) that the hub does not know yet: "
            "nothing was stored; it is stored once the customer is (sync the customer, or add it to "
            "the hub), when the run is tried again, and the run is dead-lettered after its last attempt")

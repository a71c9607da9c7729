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

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from hub.canonical import check
from hub.errors import CustomerNotKnown
from hub.o2c.orders.facts import order_number_of, refresh_order_status
from hub.store.base import expire_held, in_chunks
from hub.store.o2c import ENTITY_MODELS, Invoice, SalesOrder
from hub.store.o2c_cash import CustomerIban
from hub.store.o2c_columns import find_customer
from hub.store.o2c_types import plain_json
from hub.store.upsert import Ref, UpsertResult, insert_new, upsert
from hub.store.upsert_batch import upsert_many

__all__ = ["Ref", "UpsertResult", "learn_ibans", "settle_invoices", "store_new_records", "store_record",
           "store_records"]

#: Entities no order's status depends on: storing one derives nothing (unless it names a
#: customer's bank accounts).
_ORDERLESS = frozenset({"customer", "product", "payment", "payment_application", "bank_transaction"})


def store_record(session: Session, entity: str, record: dict[str, Any], *, ref: Ref | None = None,
                 known_customer: bool = False) -> UpsertResult:
    """Store ``record`` as ``entity`` (``ref``: where it came from, (system, external id)) and
    refresh the status of the order it belongs to when it changed anything.

    ``known_customer`` (the upsert step asks it of every invoice a run stores): an invoice is
    never kept as nobody's. When the customer it names is not in the hub, a customer named with
    a system's id (an ERP's party: the book of record of whom it invoiced) is added from what the
    invoice says of it (name, e-mail, tax id, that id); a customer named only by e-mail, tax id or
    name raises CustomerNotKnown, and the caller's transaction, rolled back, keeps nothing.

    The bank accounts a customer reference carries (what an ERP knows of its party) are checked
    with the record and not kept on it: each IBAN is recorded as known for the customer
    (``customer_ibans``, where cash application looks), but only for a customer the reference
    names by a system id, e-mail or tax id (a name alone never hands a customer someone else's
    accounts), and not from a copy older than the one stored.

    Raises InvalidRecordError when the record does not match its schema, LookupError for an
    unknown entity, RetriableError when another session stored it at the same moment.
    """
    record, accounts = _without_accounts(entity, record)
    result = upsert(session, entity, record, ref=ref)
    if known_customer and entity == "invoice" and record.get("customer"):
        row = result.row or session.get(ENTITY_MODELS[entity], result.id)
        if row.customer_id is None:
            row.customer_id = _customer_from(session, row.data)
    if accounts and not result.stale:
        _accounts_known(session, record["customer"], result.row or session.get(ENTITY_MODELS[entity], result.id),
                        accounts)
    if result.changed:
        row = result.row
        refresh_order_status(session, order_number_of(entity, row.data),
                             order=row if isinstance(row, SalesOrder) else None)
    return result


def store_records(session: Session, entity: str, records: list[tuple[dict[str, Any], Ref | None]]) -> list[UpsertResult]:
    """store_record of each (record, ref) of ``records`` in turn; their results, in order.

    Records no order's status depends on, naming no customer's bank accounts, are upserted as one
    batch (hub.store.upsert_batch: the same rows and results, a few statements for the lot, and
    an invalid record raises before any is written); the others one by one.
    """
    if entity not in _ORDERLESS or any(_names_accounts(record) for record, _ in records):
        return [store_record(session, entity, record, ref=ref) for record, ref in records]
    return upsert_many(session, entity, records)


def _names_accounts(record: dict[str, Any]) -> bool:
    """Whether store_record would take bank accounts off the record's customer reference."""
    party = record.get("customer")
    return isinstance(party, dict) and "bank_accounts" in party


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


def settle_invoices(session: Session, settled: list[tuple[Any, Decimal]]) -> None:
    """Lower (or raise) stored invoices' amounts due, each ``(row, amount_due)``: ``row`` the
    invoice's id, order_number and data as read (a result row or the ORM object), ``amount_due``
    already quantized to its currency, as money applied to it or taken back. Its status follows
    (paid at zero, else partially paid) and the status of its order is refreshed.

    Only these two fields change, so the invoices are not checked or their lines written again:
    one UPDATE sent with every invoice's values (executemany), not an ORM object a row. The
    invoices the session holds as ORM objects have those fields expired, read again when used.
    """
    if not settled:
        return
    params = []
    for row, amount_due in settled:
        status = "paid" if amount_due == 0 else "partially_paid"
        params.append({"invoice_id": row.id, "new_due": amount_due, "new_status": status,
                       "new_data": {**row.data, "amount_due": plain_json(amount_due), "status": status}})
    session.execute(_SETTLE, params)
    expire_held(session, Invoice, [row.id for row, _ in settled], _SETTLED_FIELDS)
    for number in dict.fromkeys(row.order_number for row, _ in settled if row.order_number):
        refresh_order_status(session, number)


_INVOICES = Invoice.__table__
_SETTLE = update(_INVOICES).where(_INVOICES.c.id == bindparam("invoice_id")).values(
    amount_due=bindparam("new_due"), status=bindparam("new_status"), data=bindparam("new_data"))
_SETTLED_FIELDS = ["amount_due", "status", "data", "updated_at"]


def _without_accounts(entity: str, record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``record`` without its customer reference's bank accounts, and their IBANs (without
    spaces, each once); the whole record is checked first, accounts included."""
    party = record.get("customer")
    if not isinstance(party, dict) or "bank_accounts" not in party:
        return record, []
    checked = check(entity, record)  # InvalidRecordError for a bad IBAN, as for any bad field
    ibans = list(dict.fromkeys(account["iban"] for account in checked["customer"].get("bank_accounts") or []))
    return {**record, "customer": {k: v for k, v in party.items() if k != "bank_accounts"}}, ibans


def _accounts_known(session: Session, party: dict[str, Any], row: Any, ibans: list[str]) -> None:
    """Record ``ibans`` as known for the customer of ``row`` when ``party`` names that customer
    by one of its system ids, its e-mail or its tax id (a name alone does not: two companies
    share names); learned from the party."""
    customer_id = getattr(row, "customer_id", None)
    if customer_id is None:
        return
    named_by = ([{"external_refs": [ref]} for ref in party.get("external_refs") or []]
                + [{key: party[key]} for key in ("email", "tax_id") if party.get(key)])
    if any(find_customer(session, name) == customer_id for name in named_by):
        refs = party.get("external_refs") or [{}]
        source = f"{refs[0].get('system', 'a source')} party {refs[0].get('id', '')}".strip()
        learn_ibans(session, dict.fromkeys(ibans, customer_id), source[:60])


def learn_ibans(session: Session, payers: dict[str, int], learned_from: str) -> None:
    """Remember that each IBAN of ``payers`` pays for its customer (id): a new IBAN is added, one
    known for another customer until now moves to this one; read a query a chunk."""
    known: dict[str, CustomerIban] = {}
    for chunk in in_chunks(list(payers)):
        known.update((row.iban, row)
                     for row in session.scalars(select(CustomerIban).where(CustomerIban.iban.in_(chunk))))
    for iban, customer_id in payers.items():
        row = known.get(iban)
        if row is None:
            session.add(CustomerIban(iban=iban, customer_id=customer_id, learned_from=learned_from))
        elif row.customer_id != customer_id:
            row.customer_id, row.learned_from = customer_id, learned_from


def _customer_missing(invoice: dict[str, Any]) -> str:
    """Why an invoice waits, saying how it names its customer, never the name or e-mail itself."""
    party = invoice.get("customer") or {}
    named = " and ".join(label for key, label in (("email", "e-mail"), ("tax_id", "tax id"), ("name", "name"))
                         if party.get(key))
    return (f"invoice {invoice.get('number')} names a customer by {named} (no system's id) that the hub does not know yet: "
            "nothing was stored; it is stored once the customer is (sync the customer, or add it to "
            "the hub), when the run is tried again, and the run is dead-lettered after its last attempt")

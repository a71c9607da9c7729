"""Erasure of one customer's personal data from every table (``o2c-hub erase customer REF``).

The customer is found by canonical id, ``system:external id``, external id or e-mail. Their
e-mail, names, phones, addresses and IBANs (hub.store.personal) are learned only from what is
theirs: their customer record, the orders, invoices and payments linked to it, and documents
(event bodies, step records, effect results) whose customer is them. They are then replaced in
every text, JSON and raw-body column of every table: by ``[erased]``, by ``erased@erased.invalid``
where a whole value is the e-mail (so invoices still validate and export), and in a document of
another customer only the e-mail, full name, phone and IBAN (the other customer's own name,
e-mail and address stay, even when a field of theirs names this customer). Amounts, ids,
numbers and dates stay, so the books still add up. Where a column is a key (unique), personal
data becomes a pseudonym ``[erased:<hash>]`` so keys stay distinct (an effect keyed on the
e-mail is then no longer found by it: a new event for that e-mail performs its effect again, as
for a new customer). The customer row's own name and e-mail columns become ``[erased]``, so no
later lookup by e-mail lands on it.

Rows are read in batches and each batch of changes is written in its own short transaction.
On SQLite those transactions run with ``secure_delete`` (old text is zeroed, not left in free
space) and a ``wal_checkpoint(TRUNCATE)`` afterwards empties the -wal file of the old pages;
PostgreSQL keeps old row versions until VACUUM, which the report says. Running it again finds
nothing left and changes nothing. One audit line (kind ``erasure``, kept by retention) records
what was done, with counts and the canonical id, who asked and why, never the data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, String, Table, Text, cast, func, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

import hub.store.o2c  # noqa: F401  (every canonical table is known to the metadata)
from hub import jsonutil
from hub.errors import CustomerNotFound
from hub.store.base import Base
from hub.store.o2c import Customer, ExternalRef, Invoice, Payment, SalesOrder
from hub.store.personal import ERASED, ERASED_EMAIL, Needles, Owner
from hub.store.platform import AuditEntry, Event

log = logging.getLogger("o2c_hub.erasure")

BATCH = 200


@dataclass(slots=True)
class ErasureReport:
    customer_ids: tuple[int, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)  # table -> rows changed
    on_disk: str = ""  # what may still hold old copies of the data, and what to do about it
    who: str = ""  # who asked, as the audit log names them
    reason: str = ""  # why: a request's reference, never the person's data

    def summary(self) -> str:
        """What was done, without the personal data: the audit line and the log line."""
        who = (", ".join(f"#{i}" for i in self.customer_ids) if self.customer_ids
               else "known by e-mail only")
        changed = ", ".join(f"{t} {n}" for t, n in sorted(self.counts.items()) if n) or "nothing left to erase"
        return f"personal data of customer {who} erased: {changed}; by {self.who}; reason: {self.reason}"


def erase_customer(sessions: sessionmaker, ref: str, *, who: str, reason: str) -> ErasureReport:
    """Replace the personal data of the customer ``ref`` names everywhere; report the counts
    (the audit line says ``who`` asked and why)."""
    with sessions() as session:
        ids, needles = _resolve(session, ref.strip())
        for record in _linked_documents(session, ids):
            needles.learn(record, Owner.THIS)
    columns = [c for t in Base.metadata.sorted_tables for c in _text_columns(t)]
    _learn_everywhere(sessions, columns, needles)
    report = ErasureReport(customer_ids=tuple(ids), who=who, reason=reason)
    touched: dict[str, set] = {"customers": set(_erase_customer_columns(sessions, ids))}
    for column in columns:
        touched.setdefault(column.table.name, set()).update(_redact_column(sessions, column, needles))
    report.counts = {table: len(keys) for table, keys in touched.items() if keys}
    with _writing(sessions) as session:
        session.add(AuditEntry(kind="erasure", detail=report.summary()))
    report.on_disk = _clear_old_copies(sessions)
    log.info("%s", report.summary())
    return report


@contextmanager
def _writing(sessions: sessionmaker) -> Iterator[Session]:
    """A write transaction; on SQLite with ``secure_delete``, so replaced text is zeroed on its
    page instead of lingering in free space."""
    with sessions.begin() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(sql_text("PRAGMA secure_delete=ON"))
        yield session


def _clear_old_copies(sessions: sessionmaker) -> str:
    """Empty SQLite's -wal file of the pages as they were before; say what may remain."""
    with sessions() as session:
        if session.get_bind().dialect.name != "sqlite":
            return ("PostgreSQL keeps the old row versions on disk until they are vacuumed: "
                    "run VACUUM FULL on the tables listed to remove them now")
        busy, _, _ = session.execute(sql_text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    if busy:
        return ("the database was busy, so its -wal file may still hold old copies until the next "
                "checkpoint: run this command again when the hub is idle")
    return ""


def _resolve(session: Session, ref: str) -> tuple[list[int], Needles]:
    """The customers ``ref`` names and the needles known from their rows."""
    needles = Needles()
    if "@" in ref:
        needles.add_phrase(ref)
        needles.identity.add(email=ref)
        ids = list(session.scalars(select(Customer.id).where(func.lower(Customer.email) == ref.lower())))
    else:
        ids = _by_id_or_ref(session, ref)
        if not ids:
            raise CustomerNotFound(f"no customer has the id, external id or e-mail {ref!r}")
    for customer in session.scalars(select(Customer).where(Customer.id.in_(ids))):
        needles.identity.add(email=customer.email, name=customer.name)
        for value in (customer.email, customer.name, (customer.data or {}).get("phone")):
            needles.add_phrase(value)
            needles.add_word(value)
    refs = select(ExternalRef.system, ExternalRef.external_id).where(
        ExternalRef.entity == "customer", ExternalRef.canonical_id.in_(ids))
    for system, external_id in session.execute(refs):
        needles.identity.add(ref=(system, external_id))
    return ids, needles


def _erase_customer_columns(sessions: sessionmaker, ids: list[int]) -> list[int]:
    """The customer rows' own name and e-mail, however short (a phrase needs 4 letters)."""
    changed: set[int] = set()
    with _writing(sessions) as session:
        for column in (Customer.name, Customer.email):
            changed.update(session.scalars(
                update(Customer).where(Customer.id.in_(ids), column.is_not(None), column != ERASED)
                .values({column.key: ERASED}).returning(Customer.id)
                .execution_options(synchronize_session=False)))
    return sorted(changed)


def _by_id_or_ref(session: Session, ref: str) -> list[int]:
    if ref.isascii() and ref.isdigit() and session.get(Customer, int(ref)) is not None:
        return [int(ref)]
    query = select(ExternalRef.canonical_id).where(ExternalRef.entity == "customer")
    system, _, external = ref.partition(":")
    if external:
        found = list(session.scalars(query.where(ExternalRef.system == system,
                                                 ExternalRef.external_id == external)))
        if found:
            return found
    return list(session.scalars(query.where(ExternalRef.external_id == ref)))


def _linked_documents(session: Session, ids: list[int]) -> Iterator[Any]:
    """The canonical documents of the customers and of their orders, invoices and payments."""
    for model in (Customer, SalesOrder, Invoice):
        key = model.id if model is Customer else model.customer_id
        yield from session.scalars(select(model.data).where(key.in_(ids)))
    for payment in session.scalars(select(Payment).where(Payment.customer_id.in_(ids))):
        yield {"name": payment.payer_name, "iban": payment.payer_iban}
        yield payment.data


def _text_columns(table: Table) -> list[Column]:
    """The columns of ``table`` that can hold text, when the table has a one-column key."""
    if len(table.primary_key.columns) != 1:
        return []
    return [c for c in table.columns if isinstance(_base_type(c), (String, Text, JSON, LargeBinary))]


def _base_type(column: Column):
    kind = column.type
    return kind.impl if isinstance(kind, TypeDecorator) else kind


def _is_key(column: Column) -> bool:
    if column.primary_key or column.unique:
        return True
    table = column.table
    return any(column.name in {c.name for c in constraint.columns}
               for constraint in (*table.constraints, *table.indexes)
               if getattr(constraint, "unique", False) or constraint.__class__.__name__ == "UniqueConstraint")


def _candidates(sessions: sessionmaker, column: Column, needles: Needles) -> Iterator[list[tuple]]:
    """Batches of (key, value) of the rows whose ``column`` may hold a phrase."""
    key = column.table.primary_key.columns.values()[0]
    binary = isinstance(_base_type(column), LargeBinary)
    query = select(key, column).order_by(key).limit(BATCH)
    if binary:
        query = query.where(column.is_not(None))
        if column.table is Event.__table__:
            query = query.where(Event.__table__.c.pruned_at.is_(None))
    else:
        text = func.lower(cast(column, Text))
        query = query.where(or_(*(text.contains(v, autoescape=True) for v in needles.variants())))
    last = None
    while True:
        with sessions() as session:
            rows = [tuple(r) for r in session.execute(query if last is None else query.where(key > last))]
        if not rows:
            return
        yield [r for r in rows if not binary or _may_hold(r[1], needles)]
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def _may_hold(body: bytes, needles: Needles) -> bool:
    lowered = bytes(body).lower()
    return any(v.encode("utf-8") in lowered for v in needles.variants())


def _learn_everywhere(sessions: sessionmaker, columns: list[Column], needles: Needles) -> None:
    """Learn from every document that holds a phrase, until no new phrase appears."""
    for _ in range(3):
        before = len(needles.phrases)
        for column in columns:
            for batch in _candidates(sessions, column, needles):
                for _, value in batch:
                    data = _as_data(value)
                    if needles.found_in(jsonutil.dumps(data) if not isinstance(data, str) else data):
                        needles.learn(data)
        if len(needles.phrases) == before:
            return


def _as_data(value: Any) -> Any:
    if isinstance(value, (bytes, memoryview)):
        return jsonutil.parse_body(bytes(value))
    return value


def _redact_column(sessions: sessionmaker, column: Column, needles: Needles) -> list:
    """Redact ``column`` batch by batch; the keys of the rows changed."""
    key = column.table.primary_key.columns.values()[0]
    changed: list = []
    for batch in _candidates(sessions, column, needles):
        updates = [(k, new) for k, value in batch if (new := _redacted(column, value, needles)) != value]
        if not updates:
            continue
        with _writing(sessions) as session:
            for k, new in updates:
                session.execute(update(column.table).where(key == k).values({column.name: new}))
        changed += [k for k, _ in updates]
    return changed


def _redacted(column: Column, value: Any, needles: Needles) -> Any:
    """``value`` with the customer's personal data replaced (unchanged if it holds none)."""
    if value is None:
        return None
    if isinstance(value, (bytes, memoryview)):
        return _redacted_body(bytes(value), needles)
    if isinstance(value, str) and not isinstance(_base_type(column), JSON):
        if not needles.found_in(value):
            return value
        new = needles.redact_text(value, keyed=_is_key(column))
        length = getattr(column.type, "length", None)
        return new[:length] if length else new
    text = jsonutil.dumps(value) if not isinstance(value, str) else value
    return needles.redact_json(value) if needles.found_in(text) else value


def _redacted_body(body: bytes, needles: Needles) -> bytes:
    data = jsonutil.parse_body(body)
    if data is None or isinstance(data, str):
        text = body.decode("utf-8", errors="surrogateescape")
        new = needles.redact_text(text)
        return body if new == text else new.encode("utf-8", errors="surrogateescape")
    if not needles.found_in(jsonutil.dumps(data)):
        return body
    return jsonutil.dumps(needles.redact_json(data)).encode("utf-8")


__all__ = ["ERASED", "ERASED_EMAIL", "ErasureReport", "erase_customer"]

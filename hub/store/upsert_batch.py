"""Upsert of many records of one entity at once, with the results of upserting them in turn.

    upsert_many(session, "customer", [(record, ("crm", "001...")), (record, None), ...])

Each record goes through the steps of hub.store.upsert.upsert, in order, against the store as
the records before it left it; only the reading and writing is batched: every external ref of
the batch is read in one query (a chunk of 500 at a time), every row they point at and every
row with one of the batch's natural keys in another, and the writes go out at the end as one
multi-row INSERT of the new rows (ids in the batch's order, as one-by-one inserts number them),
one executemany UPDATE of the changed rows, one INSERT of the new refs and one UPDATE of the
changed refs. A record the batch wrote before is found as it was left (a duplicate ref in one
batch is an update, or nothing, like its second upsert).

Entities whose natural key is one column, with no child lines and no links to rows of their own
kind (EntityTable.key_column: customer, product, payment, bank transaction) are batched; the
others are upserted one record at a time. Every record is checked before anything is written: an
invalid one raises InvalidRecordError and the batch writes nothing.

Pure database work: the caller owns the transaction and commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import count
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.canonical import check
from hub.errors import RetriableError
from hub.store.base import expire_held, in_chunks
from hub.store.o2c import ExternalRef
from hub.store.o2c_columns import EntityTable
from hub.store.o2c_types import plain_json
from hub.store.upsert import (
    Ref, UpsertResult, _refs, _split_versions, _stale_ref, _table, _unique_violation, payload_hash, upsert,
)

_REFS = ExternalRef.__table__
_INSERT_REFS = insert(_REFS)
_UPDATE_REFS = update(_REFS).where(  # by its key: a ref inserted by the batch has no id at hand
    _REFS.c.system == bindparam("ref_system"), _REFS.c.entity == bindparam("ref_entity"),
    _REFS.c.external_id == bindparam("ref_external_id"),
)


def upsert_many(session: Session, entity: str,
                records: Iterable[tuple[dict[str, Any], Ref | None]]) -> list[UpsertResult]:
    """Store each (record, ref) of ``records`` as ``entity``, as upsert would one after another;
    their results, in order.

    Raises InvalidRecordError (nothing written) when a record does not match its schema,
    LookupError for an unknown entity, RetriableError when another session stored one of them at
    the same moment.
    """
    table = _table(entity)
    records = list(records)
    if table.key_column is None:
        return [upsert(session, entity, record, ref=ref) for record, ref in records]
    session.flush()  # the batch reads the database, and writes past the session
    batch = _Batch(session, entity, table, [_Checked(entity, record, ref) for record, ref in records])
    try:
        outcomes = [batch.upsert(checked) for checked in batch.records]
        batch.write()
    except IntegrityError as error:
        if not _unique_violation(error):
            raise
        raise RetriableError(f"another session stored one of these {entity} records at the same moment; "
                             "the next attempt reads its copy") from error
    return [UpsertResult(entity=entity, id=row if isinstance(row, int) else row.id, created=created,
                         changed=changed, stale=stale) for row, created, changed, stale in outcomes]


class _Checked:
    """A record as upsert prepares it: checked, without versions, hashed, with its refs."""

    __slots__ = ("record", "versions", "digest", "given", "refs")

    def __init__(self, entity: str, record: dict[str, Any], ref: Ref | None) -> None:
        self.record, self.versions = _split_versions(check(entity, record))
        self.digest = payload_hash(self.record)
        self.given = (ref[0], str(ref[1])) if ref else None
        self.refs = _refs(self.record, self.given)


class _Row:
    """A row of the entity's table as the batch has left it so far (id None: not inserted yet).

    ``rank`` orders the rows one natural key finds as the database's lowest id would: stored rows
    by id, then the batch's new rows in the order made (ids are handed out in increasing order)."""

    __slots__ = ("id", "data", "keys", "values", "rank")

    def __init__(self, row_id: int | None, data: Any, keys: dict[str, Any], rank: tuple[int, int]) -> None:
        self.id, self.data, self.keys, self.rank = row_id, data, keys, rank
        self.values: dict[str, Any] | None = None  # the columns to write, once changed


class _RefRow:
    """An external ref as the batch has left it so far (id: of a ref read from the database)."""

    __slots__ = ("id", "stored", "canonical", "payload_hash", "version", "changed")

    def __init__(self, ref_id: int | None, canonical: _Row | int, digest: str | None, version: str | None) -> None:
        self.id, self.canonical, self.payload_hash, self.version = ref_id, canonical, digest, version
        self.stored, self.changed = ref_id is not None, False


class _Batch:
    """The refs and rows a batch reads, kept current as each record is upserted in memory."""

    def __init__(self, session: Session, entity: str, table: EntityTable, records: list[_Checked]) -> None:
        self.session, self.entity, self.table, self.records = session, entity, table, records
        self.model = table.model.__table__
        keys = [table.key_column(checked.record) for checked in records]
        self.key_names = sorted({key[0] for key in keys if key is not None})
        self.refs = self._read_refs({ref for checked in records for ref in checked.refs})
        self.rows: dict[int, _Row] = {}
        self.by_key: dict[tuple[str, Any], set[_Row]] = defaultdict(set)
        self.new_rows: list[_Row] = []
        self.changed_rows: list[_Row] = []  # in the order they were written
        self.new_refs: list[tuple[Ref, _RefRow]] = []
        ids = {ref.canonical for ref in self.refs.values()}
        self._read_rows(self.model.c.id, ids)
        for name in self.key_names:
            self._read_rows(self.model.c[name], {key[1] for key in keys if key is not None and key[0] == name})
        for ref in self.refs.values():
            ref.canonical = self.rows.get(ref.canonical, ref.canonical)

    def _read_refs(self, refs: set[Ref]) -> dict[Ref, _RefRow]:
        found: dict[Ref, _RefRow] = {}
        by_system: dict[str, list[str]] = defaultdict(list)
        for system, external_id in refs:
            by_system[system].append(external_id)
        c = _REFS.c
        for system, external_ids in sorted(by_system.items()):
            for chunk in in_chunks(sorted(external_ids)):
                query = select(c.id, c.external_id, c.canonical_id, c.payload_hash, c.version).where(
                    c.system == system, c.entity == self.entity, c.external_id.in_(chunk))
                for ref_id, external_id, canonical_id, digest, version in self.session.execute(query):
                    found[(system, external_id)] = _RefRow(ref_id, canonical_id, digest, version)
        return found

    def _read_rows(self, column, values: set) -> None:
        """Read the rows whose ``column`` is one of ``values`` (those not read yet)."""
        c = self.model.c
        names = self.key_names
        for chunk in in_chunks(sorted(values)):
            query = select(c.id, c.data, *(c[name] for name in names)).where(column.in_(chunk))
            for row_id, data, *keys in self.session.execute(query):
                if row_id not in self.rows:
                    row = self.rows[row_id] = _Row(row_id, data, dict(zip(names, keys)), (0, row_id))
                    self._index(row)

    def _index(self, row: _Row) -> None:
        for name, value in row.keys.items():
            self.by_key[(name, value)].add(row)

    def upsert(self, checked: _Checked) -> tuple[_Row | int, bool, bool, bool]:
        """hub.store.upsert.upsert of one record, against the batch's rows and refs: (row or
        id, created, changed, stale)."""
        known = {ref: self.refs.get(ref) for ref in checked.refs}
        stale = _stale_ref(known, checked.versions)
        if stale is not None:
            return stale.canonical, False, False, True
        given = known.get(checked.given)
        if given is not None and given.payload_hash == checked.digest:
            for ref, version in checked.versions.items():
                if known.get(ref) is not None and known[ref].version != version:
                    known[ref].version, known[ref].changed = version, True
            return given.canonical, False, False, False
        row, created, changed = self._write(self._find(known, checked.record), checked.record)
        self._remember(row, known, checked)
        return row, created, changed, False

    def _find(self, known: dict[Ref, _RefRow | None], record: dict[str, Any]) -> _Row | None:
        """The row, by external ref first, else by natural key (the lowest id)."""
        for ref in known.values():
            if ref is not None and isinstance(ref.canonical, _Row):
                return ref.canonical
        key = self.table.key_column(record)
        rows = self.by_key.get(key) if key is not None else None
        return min(rows, key=lambda row: row.rank) if rows else None

    def _write(self, row: _Row | None, record: dict[str, Any]) -> tuple[_Row, bool, bool]:
        document = plain_json(record)
        if row is not None and row.data == document:
            return row, False, False
        if row is not None and row.values is not None:
            self.write()  # a row is written once between two writes (see write)
        values = {**self.table.columns(self.session, record), "data": document}
        created = row is None
        if created:
            row = _Row(None, document, {}, (1, len(self.new_rows)))
            self.new_rows.append(row)
        else:
            self.changed_rows.append(row)
        for name, value in row.keys.items():
            self.by_key[(name, value)].discard(row)
        row.data, row.values = document, values
        row.keys = {name: values.get(name) for name in self.key_names}
        self._index(row)
        return row, created, True

    def _remember(self, row: _Row, known: dict[Ref, _RefRow | None], checked: _Checked) -> None:
        """Point every ref at ``row`` and keep its newest version; the given ref also keeps the hash."""
        for ref, ref_row in known.items():
            if ref_row is None:
                ref_row = self.refs[ref] = _RefRow(None, row, checked.digest if ref == checked.given else None,
                                                   checked.versions.get(ref))
                self.new_refs.append((ref, ref_row))
                continue
            old = (ref_row.canonical, ref_row.payload_hash, ref_row.version)
            ref_row.canonical = row
            if ref == checked.given:
                ref_row.payload_hash = checked.digest
            if ref in checked.versions:
                ref_row.version = checked.versions[ref]
            ref_row.changed |= old != (ref_row.canonical, ref_row.payload_hash, ref_row.version)

    def write(self) -> None:
        """Update the changed rows, insert the new ones, then the same for the refs; the batch
        goes on from there.

        Each row is written at most once between two writes, the changed rows in the order the
        records changed them and the new rows after them: then no unique key (a product's SKU, a
        payment's reference) is taken on the way that upserts one by one would have found free.
        The new rows are numbered in the order they were made, as one-by-one inserts are.
        """
        execute, model = self.session.execute, self.model
        if self.changed_rows:
            execute(update(model).where(model.c.id == bindparam("row_id")),
                    [{**row.values, "row_id": row.id} for row in self.changed_rows])
        if self.new_rows:
            for row, row_id in zip(self.new_rows, self._insert(self.new_rows), strict=True):
                row.id, row.rank = row_id, (0, row_id)
                self.rows[row_id] = row
        refs = [(key, ref) for key, ref in self.refs.items() if ref.stored and ref.changed]
        if self.new_refs:
            execute(_INSERT_REFS, [
                {"system": system, "entity": self.entity, "external_id": external_id,
                 "canonical_id": _id(ref.canonical), "payload_hash": ref.payload_hash, "version": ref.version}
                for (system, external_id), ref in self.new_refs])
            for _, ref in self.new_refs:
                ref.stored = True  # a later change is an update
        if refs:
            execute(_UPDATE_REFS, [
                {"ref_system": system, "ref_entity": self.entity, "ref_external_id": external_id,
                 "canonical_id": _id(ref.canonical), "payload_hash": ref.payload_hash, "version": ref.version}
                for (system, external_id), ref in refs])
        expire_held(self.session, self.table.model, [row.id for row in self.changed_rows])
        expire_held(self.session, ExternalRef, [ref.id for _, ref in refs if ref.id is not None])
        for row in (*self.changed_rows, *self.new_rows):
            row.values = None
        for _, ref in refs:
            ref.changed = False
        self.changed_rows, self.new_rows, self.new_refs = [], [], []

    def _insert(self, rows: list[_Row]) -> list[int] | range:
        """Insert ``rows`` with one executemany; their ids, in order."""
        model, execute = self.model, self.session.execute
        if self.session.get_bind().dialect.name != "sqlite":
            returning = insert(model).returning(model.c.id, sort_by_parameter_order=True)
            return execute(returning, [row.values for row in rows]).scalars().all()
        # SQLAlchemy keeps RETURNING's order on SQLite by sending one INSERT a row; SQLite gives a
        # new row the highest id plus one, and the batch gives the same ids itself. (A writer
        # that took one meanwhile makes this INSERT fail as a unique key taken.)
        first = (execute(select(func.max(model.c.id))).scalar() or 0) + 1
        execute(insert(model), [{**row.values, "id": row_id} for row, row_id in zip(rows, count(first))])
        return range(first, first + len(rows))


def _id(canonical: _Row | int) -> int:
    return canonical if isinstance(canonical, int) else canonical.id

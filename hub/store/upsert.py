"""Insert-or-update of canonical records, keyed on external ids and natural keys.

    upsert(session, "sales_order", record, ref=("shopify", "450789469"))
      1. validate + normalize the record (hub.canonical.check)
      2. find the row: by the given ref, then by the record's external_refs, then by natural key
      3. a ref whose stored version is newer than the record's → nothing to do (stale=True)
      4. same payload hash on the given ref, or same document → nothing to do (changed=False)
      5. insert or update the row, replace its child lines
      6. record every external ref and the newest version of each; the given ref also keeps the
         payload hash

The store stores: what the O2C services derive from a record (an order's status from its
fulfillments, invoices and credit decision) is theirs. hub.o2c.records.store_record calls this
upsert and then refreshes the order's status; it is the one caller (pyproject.toml's import
contracts).

Versions (``external_refs[].version``) order the copies of one record from its source: polls
overlap and webhooks arrive late, so a copy fetched before a change can arrive after it. They
are kept on the external ref rows, not in the document or its hash: a new version with the
same content changes nothing but the remembered version. A copy with the same version as the
stored one is written: sources with one-second clocks give two quick changes one version, and
an unchanged redelivery is caught by the hash anyway.

Two sessions storing the same new record at once both find no row and both insert one; a
unique constraint (the external ref's, or the natural key's) refuses the second, which raises
RetriableError: its transaction is rolled back and its next attempt finds the first one's row
and compares versions. (Re-reading within the call would need a savepoint around every first insert, and
pysqlite's savepoints commit when they open the transaction.)

Pure database work: the caller owns the transaction and commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import simplejson
from sqlalchemy import Insert, bindparam, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from hub.canonical import check
from hub.errors import RetriableError
from hub.store.base import Base
from hub.store.o2c import ExternalRef
from hub.store.o2c_columns import ENTITY_TABLES, EntityTable
from hub.store.o2c_types import plain_json
from hub.store.versions import is_older

Ref = tuple[str, str]

# Built once: a statement built per call costs more CPU than the SQLite query it runs.
_REF = select(ExternalRef).where(
    ExternalRef.system == bindparam("system"), ExternalRef.entity == bindparam("entity"),
    ExternalRef.external_id == bindparam("external_id"),
)
_INSERT_REFS = insert(ExternalRef.__table__)  # Core: new refs skip the unit of work


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertResult:
    """What an upsert did: the canonical id, whether the row was created or changed, and
    whether the record was a stale copy (older than the stored version) and so ignored.

    ``row`` is the row written, when one was: the session holds it only weakly, so a caller
    that goes on with it (the order status refresh) takes it from here rather than reading it
    again."""

    entity: str
    id: int
    created: bool
    changed: bool
    stale: bool = False
    row: Base | None = field(default=None, compare=False, repr=False)


def payload_hash(record: dict[str, Any]) -> str:
    """SHA-256 of a normalized record, independent of key order."""
    text = simplejson.dumps(plain_json(record), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upsert(session: Session, entity: str, record: dict[str, Any], *, ref: Ref | None = None) -> UpsertResult:
    """Store ``record`` as ``entity``; ``ref`` is (system, external id) of where it came from.

    Raises InvalidRecordError when the record does not match its schema, LookupError for an
    unknown entity.
    """
    table = _table(entity)
    record, versions = _split_versions(check(entity, record))
    digest = payload_hash(record)
    ref = (ref[0], str(ref[1])) if ref else None
    refs = _refs(record, ref)
    known = {r: _ref_row(session, entity, r) for r in refs}  # each ref looked up once
    stale = _stale_ref(known, versions)
    if stale is not None:
        return UpsertResult(entity=entity, id=stale.canonical_id, created=False, changed=False, stale=True)
    given = known.get(ref)
    if given is not None and given.payload_hash == digest:
        _remember_versions(session, known, versions)
        return UpsertResult(entity=entity, id=given.canonical_id, created=False, changed=False)
    row = _find(session, table, known, record)
    try:
        result = _write(session, table, entity, row, record)
        _remember(session, entity, result.id, known, given=ref, digest=digest, versions=versions)
    except IntegrityError as error:
        if not _unique_violation(error):
            raise
        raise RetriableError(f"another session stored this {entity} at the same moment; "
                             "the next attempt reads its copy") from error
    return result


def insert_new(session: Session, entity: str, records: list[dict[str, Any]]) -> list[int]:
    """Store ``records``, each checked as upsert checks it, as new rows: one INSERT on the table
    sent with every row's values (Core, as upsert inserts a new row), then their child lines;
    their ids, in order.

    For records the caller knows are new and carry no external refs (cash application's
    applications of money no application points at yet): nothing is looked up by ref or natural
    key. A unique key taken meanwhile raises RetriableError, as in upsert.
    """
    table = _table(entity)
    records = [check(entity, record) for record in records]
    if any(record.get("external_refs") for record in records):
        raise ValueError(f"insert_new stores records without external refs; a {entity} of these has some")
    if not records:
        return []
    rows = [{**columns, "data": plain_json(record)}
            for record, columns in zip(records, table.columns_of(session, records))]
    session.flush()  # what the session holds goes first, as a flush would have sent it
    try:
        ids = list(session.scalars(_insert_returning_id(table.model), rows))
    except IntegrityError as error:
        if not _unique_violation(error):
            raise
        raise RetriableError(f"another session stored a {entity} of these at the same moment; "
                             "the next attempt reads its copy") from error
    for row_id, record in zip(ids, records):
        _insert_children(session, table.model, row_id, table.children(record))
    return ids


def _table(entity: str) -> EntityTable:
    try:
        return ENTITY_TABLES[entity]
    except KeyError:
        raise LookupError(f"cannot store entity {entity!r}; stored entities: {', '.join(ENTITY_TABLES)}") from None


def _unique_violation(error: IntegrityError) -> bool:
    """Whether a unique key was taken (by another session since we looked), not another constraint."""
    return getattr(error.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(error.orig)


def _split_versions(record: dict[str, Any]) -> tuple[dict[str, Any], dict[Ref, str]]:
    """The record without source versions, and the version of each external ref that has one."""
    refs = record.get("external_refs")
    if not refs or not any("version" in item for item in refs):
        return record, {}
    versions = {(item["system"], str(item["id"])): item["version"] for item in refs if item.get("version")}
    bare = [{k: v for k, v in item.items() if k != "version"} for item in refs]
    return {**record, "external_refs": bare}, versions


def _stale_ref(known: dict[Ref, ExternalRef | None], versions: dict[Ref, str]) -> ExternalRef | None:
    """The first stored ref whose version is newer than the record's version for it."""
    for ref, version in versions.items():
        row = known.get(ref)
        if row is not None and is_older(version, row.version):
            return row
    return None


def _remember_versions(session: Session, known: dict[Ref, ExternalRef | None], versions: dict[Ref, str]) -> None:
    """Store the record's versions on its known refs (none of them is older: see _stale_ref)."""
    for ref, version in versions.items():
        row = known.get(ref)
        if row is not None and row.version != version:
            row.version = version
    if versions:
        session.flush()


def _refs(record: dict[str, Any], given: Ref | None) -> list[Ref]:
    """The given ref first, then the record's own external refs, without repeats."""
    refs = [given] if given else []
    for item in record.get("external_refs", []):
        pair = (item["system"], str(item["id"]))
        if pair not in refs:
            refs.append(pair)
    return refs


def _ref_row(session: Session, entity: str, ref: Ref) -> ExternalRef | None:
    system, external_id = ref
    return session.scalar(_REF, {"system": system, "entity": entity, "external_id": str(external_id)})


def _find(session: Session, table: EntityTable, known: dict[Ref, ExternalRef | None], record: dict) -> Base | None:
    """The existing row: by external ref first, else by natural key."""
    for ref_row in known.values():
        row = session.get(table.model, ref_row.canonical_id) if ref_row else None
        if row is not None:
            return row
    query = table.natural_key(record)
    return session.scalars(query.limit(1)).first() if query is not None else None


def _write(session: Session, table: EntityTable, entity: str, row: Base | None,
           record: dict) -> UpsertResult:
    """Insert or update ``row``; an identical document leaves it untouched."""
    document = plain_json(record)
    if row is not None and row.data == document:
        return UpsertResult(entity=entity, id=row.id, created=False, changed=False)
    # Links are looked up before the row joins the session, so autoflush never sees it half-set.
    columns = {**table.columns(session, record), "data": document}
    if row is None:
        row = _insert(session, table, columns, table.children(record))
        return UpsertResult(entity=entity, id=row.id, created=True, changed=True, row=row)
    for name, value in {**columns, **table.children(record)}.items():
        setattr(row, name, value)
    session.flush()
    return UpsertResult(entity=entity, id=row.id, created=False, changed=True, row=row)


def _insert(session: Session, table: EntityTable, columns: dict[str, Any], children: dict[str, list[Base]]) -> Base:
    """Insert a new row and its child lines as Core statements (the ORM's unit of work costs
    more than the statements); the row joins the session as if read back, its lines and
    defaults read when first used."""
    session.flush()  # what the session holds goes first, as a flush would have sent it
    row_id = session.execute(_insert_returning_id(table.model), columns).scalar_one()
    _insert_children(session, table.model, row_id, children)
    row = table.model(id=row_id, **columns)
    make_transient_to_detached(row)
    session.add(row)
    return row


@cache
def _insert_returning_id(model: type[Base]) -> Insert:
    """Built once per table: a statement built per call costs more than its query. The ids come
    back in the order of the rows sent (insert_new sends many)."""
    return insert(model.__table__).returning(model.__table__.c.id, sort_by_parameter_order=True)


def _insert_children(session: Session, model: type[Base], parent_id: int, children: dict[str, list[Base]]) -> None:
    """Insert a new row's child lines (``children``: by relationship name), one INSERT a relationship."""
    for name, lines in children.items():
        if lines:
            statement, link_column, keys = _child_insert(model, name)
            session.execute(statement, [{**{k: v for k, v in inspect(line).dict.items() if k in keys},
                                         link_column: parent_id} for line in lines])


@cache
def _child_insert(model: type[Base], name: str) -> tuple[Insert, str, frozenset[str]]:
    """The INSERT of relationship ``name``'s lines, the column linking them to their row, and
    their columns."""
    relationship = inspect(model).relationships[name]
    [(_, link)] = relationship.local_remote_pairs
    target = relationship.mapper.local_table
    return insert(target), link.key, frozenset(column.key for column in target.columns)


def _remember(session: Session, entity: str, canonical_id: int, known: dict[Ref, ExternalRef | None], *,
              given: Ref | None, digest: str, versions: dict[Ref, str]) -> None:
    """Point every ref at the canonical row and keep its newest version; the given ref also
    keeps the payload hash."""
    new = []
    for ref, row in known.items():
        if row is None:
            new.append({"system": ref[0], "entity": entity, "external_id": ref[1], "canonical_id": canonical_id,
                        "payload_hash": digest if ref == given else None, "version": versions.get(ref)})
            continue
        row.canonical_id = canonical_id
        if ref == given:
            row.payload_hash = digest
        if ref in versions:
            row.version = versions[ref]
    if new:
        session.execute(_INSERT_REFS, new)
    session.flush()

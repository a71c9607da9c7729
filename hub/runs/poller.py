"""Poll triggers: read what changed since the cursor, store each record version as an event,
then move the cursor. The records are stored a hundred a transaction (one commit each, as the
inbox's group commit does for webhooks), and the cursor only moves past records already
stored, so a crash repeats a little work (deduplicated) and loses none.

A cursor is created with the trigger's ``start`` (``now``: when the recipe was first loaded,
i.e. the first recorded version of it; a moment; or nothing, for the whole history) and keeps
it: no poll reads before it, and no record changed before it becomes an event, whatever
precision the source's change filter has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub import jsonutil
from hub.connector import Cursor, PolledRecord
from hub.recipe.model import START_NOW, PollTrigger
from hub.runs.inbox import NewEvent, accept_many
from hub.store.base import utcnow
from hub.store.platform import PollCursor, RecipeVersion

if TYPE_CHECKING:
    from hub.hub import Hub
    from hub.recipe.build import BuiltRecipe

#: Polled records stored in one transaction (one commit) before the cursor moves past them.
BATCH = 100


@dataclass(frozen=True, slots=True)
class PollResult:
    seen: int
    new: int


def poll_once(hub: Hub, built: BuiltRecipe) -> PollResult:
    """One poll of ``built``'s trigger: store new record versions and queue their runs, ``BATCH``
    records a transaction (fewer when the connector's ``poll_batch`` says so); after each, the
    cursor moves past them and the workers are woken."""
    trigger: PollTrigger = built.recipe.trigger
    row = _cursor_row(hub, built.slug, trigger)
    connection = hub.connections[trigger.connection]
    size = max(1, min(BATCH, connection.poll_batch))
    seen = new = 0
    batch: list[PolledRecord] = []
    for record in connection.poll(trigger.resource, _cursor(row, trigger.overlap)):
        if row.start_at is not None and record.updated_at < row.start_at:
            continue
        batch.append(record)
        if len(batch) == size:
            seen, new = seen + len(batch), new + _store(hub, built, row, batch)
            batch = []
    seen, new = seen + len(batch), new + _store(hub, built, row, batch)
    return PollResult(seen=seen, new=new)


def _store(hub: Hub, built: BuiltRecipe, row: PollCursor, records: list[PolledRecord]) -> int:
    """Store ``records`` as events with their runs in one transaction, then move the cursor past
    them and save it (a crash in between repeats them: deduplicated); how many were new."""
    trigger, recipes = built.recipe.trigger, [(built.slug, built.recipe.hash)]
    items = [(_event(built.slug, trigger, record), recipes) for record in records]
    answers = accept_many(hub.sessions, items) if items else []
    for record in records:
        _advance(row, record)
    _save(hub, row)
    new = sum(not answer.duplicate for answer in answers)
    if new:
        hub.wake()
    return new


def _cursor(row: PollCursor, overlap: timedelta) -> Cursor:
    """From the last seen change less the overlap, never before the cursor's start."""
    start = row.last_seen_at - overlap if row.last_seen_at else None
    if row.start_at is not None and (start is None or start < row.start_at):
        start = row.start_at
    return Cursor(start=start, last_seen_at=row.last_seen_at, last_seen_id=row.last_seen_id)


def _event(slug: str, trigger: PollTrigger, record: PolledRecord) -> NewEvent:
    version = record.updated_at.isoformat()
    return NewEvent(
        source="poll", connection=trigger.connection, topic=trigger.resource,
        dedupe_key=f"poll:{slug}:{trigger.connection}:{trigger.resource}:{record.id}:{version}",
        body=jsonutil.dumps(record.data).encode(),
    )


def _advance(row: PollCursor, record: PolledRecord) -> None:
    mark = (record.updated_at, str(record.id))
    if row.last_seen_at is None or mark > (row.last_seen_at, row.last_seen_id or ""):
        row.last_seen_at, row.last_seen_id = mark


def _cursor_row(hub: Hub, slug: str, trigger: PollTrigger) -> PollCursor:
    """The recipe's cursor, created on its first poll (a concurrent first poll creates it once)."""
    where = {"recipe": slug, "connection": trigger.connection, "resource": trigger.resource}
    for _ in range(2):
        try:
            with hub.sessions.begin() as session:
                row = session.scalars(select(PollCursor).filter_by(**where)).first()
                if row is None:
                    row = PollCursor(**where, start_at=_first_start(session, slug, trigger))
                    session.add(row)
                    session.flush()
                session.expunge(row)
                return row
        except IntegrityError:  # created by the other poll meanwhile: read it
            continue
    raise RuntimeError(f"the poll cursor of {slug} could not be read")


def _first_start(session: Session, slug: str, trigger: PollTrigger) -> datetime | None:
    """Where a new cursor starts: ``now`` is when the recipe was first loaded (its first
    recorded version), so the moment does not move with a restart before the first poll."""
    if trigger.start != START_NOW:
        return trigger.start
    loaded = session.scalar(select(func.min(RecipeVersion.first_seen_at)).filter_by(recipe=slug))
    return loaded or utcnow()


def _save(hub: Hub, row: PollCursor) -> None:
    with hub.sessions.begin() as session:
        stored = session.get(PollCursor, row.id)
        stored.last_seen_at, stored.last_seen_id = row.last_seen_at, row.last_seen_id
        stored.updated_at = utcnow()


def reset_cursor(hub: Hub, slug: str, to: datetime | None = None) -> int:
    """Make ``slug``'s poll read again from ``to`` (None: the whole history); returns how many
    cursors were reset. A polling recipe that has not polled yet gets its cursor now."""
    built = hub.recipes.get(slug)
    if built is not None and isinstance(built.recipe.trigger, PollTrigger):
        _cursor_row(hub, slug, built.recipe.trigger)
    with hub.sessions.begin() as session:
        rows = session.scalars(select(PollCursor).filter_by(recipe=slug)).all()
        for row in rows:
            row.start_at, row.last_seen_at, row.last_seen_id, row.updated_at = to, None, None, utcnow()
        return len(rows)

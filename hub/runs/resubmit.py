"""Edit and resubmit: a finished run's event, with a corrected body, run again as a new event.

The original event and run stay as they were; the new event is a ``manual`` one with the same
connection and topic, and its run names the original run in ``replay_of``. Its business keys
come from the new event, so effects are keyed afresh unless a step keys them on the payload.
"""

from __future__ import annotations

import uuid

from hub import jsonutil
from hub.errors import ReplayError, RunNotFound
from hub.statuses import REPLAYABLE
from hub.store.platform import AuditEntry, Event, Run


def resubmit(sessions, run_id: int, body: bytes, recipe_hashes: dict[str, str], *,
             who: str, reason: str, remote_addr: str | None = None) -> int:
    """Queue the run's recipe on a new event holding ``body`` (JSON); return the new run's id."""
    try:
        jsonutil.loads(body)
    except ValueError as exc:
        raise ReplayError(f"the edited payload is not valid JSON: {exc}") from None
    with sessions.begin() as session:
        original = session.get(Run, run_id)
        if original is None:
            raise RunNotFound(f"there is no run {run_id}")
        if original.status not in REPLAYABLE:
            raise ReplayError(f"run {run_id} is {original.status}; only finished runs "
                              f"({' or '.join(REPLAYABLE)}) can be resubmitted")
        if original.recipe not in recipe_hashes:
            raise ReplayError(f"recipe {original.recipe!r} of run {run_id} is no longer loaded")
        old = original.event
        event = Event(source="manual", connection=old.connection, topic=old.topic, body=body,
                      dedupe_key=f"resubmit:{old.id}:{uuid.uuid4().hex}", headers=None)
        session.add(event)
        session.flush()
        new = Run(recipe=original.recipe, recipe_hash=recipe_hashes[original.recipe],
                  event_id=event.id, replay_of=original.id)
        session.add(new)
        session.flush()
        session.add(AuditEntry(kind="resubmit", remote_addr=remote_addr, detail=(
            f"run {run_id} resubmitted with an edited payload as event {event.id} (run {new.id}) "
            f"by {who}; reason: {reason}")))
        return new.id

"""The idempotency ledger: each side effect happens once per business key.

A step asks ``ledger.once(key, perform)``. The first time, a ``pending`` row is committed,
the effect performed and its result kept; ``settle(session)`` marks the row ``done`` with
that result inside the transaction that records the attempt's outcome (the executor's), so
an effect costs one commit of its own, not two. Any later attempt, retry or replay with the
same key gets the stored result back and performs nothing.

A ``pending`` row left by an earlier attempt (the hub died, or the call failed, before or
after the target acted) is taken over by the next attempt, which cannot know whether the
call reached the target. With a ``lookup`` (the action's, see hub/connector.py) it asks
first: found → the effect is settled ``done`` with the found result and nothing is sent;
not found → the effect is performed; the lookup failing → a RetriableError, so the attempt
is tried again later and never calls blindly. Exactly once. Without a lookup the effect is
performed again with the same idempotency key: at least once, unless the remote system
honours Idempotency-Key or the action finds its own earlier work (``repeatable``).

A result is stored masked (secret values of the configuration, credential-looking keys such as
``access_token``): a reused result carries ``***`` where the remote system answered a secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import HubError, RetriableError
from hub.idempotency import Outcome
from hub.redact import Redactor
from hub.statuses import EffectStatus, RunStatus
from hub.store.base import utcnow
from hub.store.platform import Effect, Run
from hub.store.writer import Writer

log = logging.getLogger("o2c_hub.runs")

# Built once (Core, on the table): every effect claims and settles its row with these.
_EFFECTS = Effect.__table__
_CLAIM = insert(_EFFECTS)
_SETTLE = update(_EFFECTS).where(_EFFECTS.c.key == bindparam("effect_key"))
_FOUND = (select(_EFFECTS.c.status, _EFFECTS.c.result, _EFFECTS.c.run_id,
                 Run.__table__.c.status.label("owner_status"))
          .outerjoin(Run.__table__, Run.__table__.c.id == _EFFECTS.c.run_id)
          .where(_EFFECTS.c.key == bindparam("effect_key")))


def _insert_claim(session: Session, row: dict) -> None:
    session.execute(_CLAIM, row)


def write_settled(session: Session, rows: list[dict]) -> None:
    """Mark effects ``done`` (rows of :meth:`EffectLedger.take_settled`)."""
    if rows:
        session.execute(_SETTLE, rows)


class _Claim(Enum):
    NEW = "new"  # no earlier row: nothing was sent under this key
    TAKEN_OVER = "taken over"  # pending from an earlier attempt: the target may have it


class EffectLedger:
    """Effects of one run, recorded in the ``effects`` table."""

    def __init__(self, sessions: sessionmaker, *, run_id: int, recipe: str,
                 redactor: Redactor | None = None, writer: Writer | None = None):
        self._sessions = sessions
        self._writer = writer or Writer(sessions)
        self._redactor = redactor or Redactor()
        self.run_id = run_id
        self.recipe = recipe
        self._performed: dict[str, tuple[Any, Any]] = {}  # key -> (result, when), not yet settled

    def once(self, key: str, step_id: str, perform: Callable[[], Any],
             lookup: Callable[[], Any] | None = None) -> Outcome:
        """Perform the effect under ``key`` unless it is already done; return its result.

        ``lookup()`` (the effect's result at the target, or None) is asked first when an
        earlier attempt left the effect pending."""
        if key in self._performed:
            return Outcome(self._performed[key][0], reused=True)
        claim = self._claim(key, step_id)
        if isinstance(claim, Outcome):
            return claim
        if claim is _Claim.TAKEN_OVER and lookup is not None:
            found = self._look_up(step_id, lookup)
            if found is not None:
                self._performed[key] = (found, utcnow())
                return Outcome(found, reused=True)
        result = perform()
        self._performed[key] = (result, utcnow())
        return Outcome(result, reused=False)

    def _look_up(self, step_id: str, lookup: Callable[[], Any]) -> Any:
        """The effect's result at the target, or None; a failure is retriable, never a call."""
        try:
            found = lookup()
        except Exception as exc:  # whatever went wrong, calling now could make the effect twice
            reason = str(exc) if isinstance(exc, HubError) else type(exc).__name__
            raise RetriableError(
                "an earlier attempt may have done this already (it stopped before recording the "
                f"answer) and looking it up failed ({reason}): nothing is sent until the lookup answers"
            ) from exc
        log.info("run %s step %s: an earlier attempt's effect was %s", self.run_id, step_id,
                 "found by its lookup; it is not sent again" if found is not None
                 else "not found by its lookup; sending it",
                 extra={"run_id": self.run_id, "step_id": step_id})
        return found

    def settle(self, session: Session) -> None:
        """Mark every effect performed since the last settle ``done``, in ``session``'s transaction."""
        write_settled(session, self.take_settled())

    def take_settled(self) -> list[dict]:
        """The rows that mark every effect performed since the last time ``done``, for
        :func:`write_settled` (in a transaction that may have to be run again)."""
        rows = [{"effect_key": key, "status": EffectStatus.DONE, "result": self._redactor.value(result),
                 "done_at": when} for key, (result, when) in self._performed.items()]
        self._performed.clear()
        return rows

    def _claim(self, key: str, step_id: str) -> Outcome | _Claim:
        row = {"key": key, "recipe": self.recipe, "step_id": step_id, "status": EffectStatus.PENDING,
               "run_id": self.run_id, "created_at": utcnow()}
        try:  # the usual case, a new key: one INSERT, committed (with others' writes) before the call
            self._writer.write(lambda session: _insert_claim(session, row))
            return _Claim.NEW
        except IntegrityError:  # done before, or claimed by another run
            pass
        with self._sessions() as session:
            # The effect and its owner's status in one statement (one snapshot): read apart, a
            # run that finishes in between looks pending and not running, and is called again.
            found = session.execute(_FOUND, {"effect_key": key}).one()
            if found.status == EffectStatus.DONE:
                return Outcome(found.result, reused=True)
            self._take_over(session, key, found)
            return _Claim.TAKEN_OVER

    def _take_over(self, session: Session, key: str, found: Row) -> None:
        """A pending effect: ours from an earlier attempt, or left by a run that is not running."""
        if found.run_id not in (None, self.run_id) and found.owner_status == RunStatus.RUNNING:
            raise RetriableError(
                f"run {found.run_id} is performing this effect right now; trying again later",
                retry_after=5,
            )
        session.get(Effect, key).run_id = self.run_id
        session.commit()

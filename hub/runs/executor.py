"""Executes one attempt of a claimed run and records how it went.

    succeeded ─ every step done (or a filter ended the run)
    retrying  ─ a RetriableError, attempts left: due again after the backoff (≥ Retry-After)
    dead      ─ a fatal error, or retries exhausted: on_failure handlers run, once
    held      ─ a step raised Held (an order waiting for credit approval): on_hold handlers
                run once; the run waits, without retrying, until a person re-queues it

A failure of the hub's own bookkeeping (loading the run, saving its step records, effects or
status: a database error, text the database cannot store) is not a step's failure: the
attempt's writes are rolled back and the run is ended dead in a fresh transaction with a
:class:`RecordingError` naming what failed (no payload), so it is seen and can be replayed
instead of staying ``running``. So is a run claimed ``_SPARE_CLAIMS`` times more than its
retry policy allows (each claim that ended without an outcome, e.g. the process stopped).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from hub import jsonutil
from hub.errors import Held, HubError, RecordingError, RetriableError
from hub.pipeline.context import RunContext, StepRecord
from hub.pipeline.runner import classify, run_steps
from hub.pipeline.step import Filtered
from hub.runs import alerts
from hub.runs.ledger import EffectLedger, write_settled
from hub.runs.queue import Claimed
from hub.runs.retry import attempts_left, retry_delay
from hub.statuses import RunStatus
from hub.store.base import utcnow
from hub.store.platform import Event, Run, StepRun

if TYPE_CHECKING:
    from hub.hub import Hub

log = logging.getLogger("o2c_hub.runs")

_ALERT_TRIES = 3
_SPARE_CLAIMS = 3

# Built once, as Core statements: every run loads itself and records its outcome with them,
# and building them (or going through the ORM unit of work) cost more than the queries.
_RUNS = Run.__table__
_LOAD = (
    select(_RUNS.c.id, _RUNS.c.recipe, _RUNS.c.replay_of, Event.source, Event.connection,
           Event.topic, Event.dedupe_key, Event.received_at, Event.body)
    .join(Event, Event.id == _RUNS.c.event_id).where(_RUNS.c.id == bindparam("run_id"))
)
_SET_RUN = update(_RUNS).where(_RUNS.c.id == bindparam("run_id"))
_INSERT_STEPS = insert(StepRun.__table__)


@contextmanager
def _bookkeeping(part: str) -> Iterator[None]:
    """A failure inside is the hub's own, while doing ``part``: raised as a RecordingError."""
    try:
        yield
    except RecordingError:
        raise
    except Exception as exc:
        raise RecordingError.during(part, exc) from exc


def execute(hub: Hub, claimed: Claimed) -> RunStatus:
    """Run one attempt of ``claimed``; return the run's new status."""
    started = time.monotonic()
    recipe = "?"
    try:
        with _bookkeeping("loading the run"), hub.sessions() as session:
            run = session.execute(_LOAD, {"run_id": claimed.run_id}).one()
        recipe = run.recipe
        hub.metrics.attempt_started(recipe)
        status, error = _attempt(hub, claimed, run)
    except Exception as exc:  # the hub's own bookkeeping failed: the run must not stay running
        error = exc if isinstance(exc, RecordingError) else RecordingError.during("handling the run", exc)
        status = _stop(hub, claimed, error)
    _log_outcome(claimed, recipe, status, error, started)
    hub.metrics.attempt_finished(recipe, status, time.monotonic() - started)
    return status


def _stop(hub: Hub, claimed: Claimed, error: RecordingError) -> RunStatus:
    """End the claimed run dead with ``error``, in a fresh transaction; return its status
    (unchanged when its outcome was already stored and only a later write failed)."""
    cause = error.__cause__ or error
    log.error("run %s: %s", claimed.run_id, error)
    log.debug("run %s: where the bookkeeping failed (%s):\n%s", claimed.run_id, type(cause).__name__,
              "".join(traceback.format_tb(cause.__traceback__)))
    with hub.sessions.begin() as session:
        stopped = session.execute(
            update(_RUNS).where(_RUNS.c.id == claimed.run_id, _RUNS.c.status == RunStatus.RUNNING,
                                _RUNS.c.attempt == claimed.attempt)
            .values(status=RunStatus.DEAD, lease_owner=None, lease_until=None, finished_at=utcnow(),
                    error_class=type(error).__name__, error_message=error.describe())
        ).rowcount
        return RunStatus.DEAD if stopped else RunStatus(session.scalar(select(_RUNS.c.status).where(_RUNS.c.id == claimed.run_id)))


def _attempt(hub: Hub, claimed: Claimed, run: Row) -> tuple[RunStatus, HubError | None]:
    built = hub.recipes.get(run.recipe)
    if built is not None and claimed.attempt > built.recipe.retry.max_attempts + _SPARE_CLAIMS:
        raise RecordingError(f"the run was started {claimed.attempt} times and never finished (the hub "
                             f"stopped during each attempt); replay it once the cause is fixed")
    with _bookkeeping("reading the run's event"):
        ctx = _context(hub, run, claimed.attempt)
    if built is None:
        error = HubError(f"recipe {run.recipe!r} is no longer loaded")
        return _fail(hub, claimed, ctx, error, None), error
    error = _run(built.steps, ctx)
    if isinstance(error, Held):
        return _hold(hub, claimed, ctx, error, built), error
    if error is None:
        _finish(hub, claimed, ctx, status=RunStatus.SUCCEEDED, recipe_hash=built.recipe.hash)
        return RunStatus.SUCCEEDED, None
    return _fail(hub, claimed, ctx, error, built), error


def _log_outcome(claimed: Claimed, recipe: str, status: RunStatus, error: HubError | None,
                 started: float) -> None:
    """One line per attempt's outcome: ids, status and timing only, never the event's data
    or the error's message (those are in the run record). ``duration_ms`` runs from loading
    the run to its outcome stored and its alerts sent."""
    fields = {"run_id": claimed.run_id, "recipe": recipe, "status": status,
              "attempt": claimed.attempt, "duration_ms": round((time.monotonic() - started) * 1000)}
    if error is not None:
        fields["error_class"] = type(error).__name__
    log.info("run %s (%s) %s, attempt %s, %s ms%s", claimed.run_id, recipe, status, claimed.attempt,
             fields["duration_ms"], f": {fields['error_class']}" if error is not None else "",
             extra=fields)


def _run(steps, ctx: RunContext) -> HubError | None:
    try:
        run_steps(steps, ctx)
    except Filtered:
        return None
    except Exception as exc:  # every failure is classified into the error tree, none ignored
        return classify(exc)
    return None


def _fail(hub: Hub, claimed: Claimed, ctx: RunContext, error: HubError, built) -> RunStatus:
    retriable = isinstance(error, RetriableError)
    if built is not None and retriable and attempts_left(built.recipe.retry, claimed.attempt):
        delay = retry_delay(built.recipe.retry, claimed.attempt, retry_after=error.retry_after)
        _finish(hub, claimed, ctx, status=RunStatus.RETRYING, error=error, delay=delay,
                recipe_hash=built.recipe.hash)
        log.debug("run %s attempt %s failed (%s); retrying in %.1fs", claimed.run_id,
                 claimed.attempt, hub.redactor.text(error.describe()), delay.total_seconds())
        return RunStatus.RETRYING
    _finish(hub, claimed, ctx, status=RunStatus.DEAD, error=error,
            recipe_hash=built.recipe.hash if built else None)
    log.warning("run %s dead-lettered after attempt %s: %s", claimed.run_id, claimed.attempt,
                hub.redactor.text(error.describe()))
    if built is not None and built.on_failure:
        alert(hub, claimed.run_id, built.on_failure, ctx, error)
    return RunStatus.DEAD


def _hold(hub: Hub, claimed: Claimed, ctx: RunContext, held: Held, built) -> RunStatus:
    _finish(hub, claimed, ctx, status=RunStatus.HELD, error=held, recipe_hash=built.recipe.hash)
    log.debug("run %s held: %s", claimed.run_id, hub.redactor.text(held.describe()))
    handlers = getattr(built, "on_hold", ())
    if handlers:
        ctx.data["run"] = {**ctx.data["run"], "error": hub.redactor.text(str(held)), "hold": held.detail}
        ctx.business_key, ctx.records = f"run-{claimed.run_id}-hold", []
        failure = _run(handlers, ctx)
        with _bookkeeping("saving the hold notice's steps"), hub.sessions.begin() as session:
            ctx.ledger.settle(session)
            _insert_steps(session, claimed, ctx.records)
        if failure is not None:
            log.error("run %s: the hold notice could not be sent: %s", claimed.run_id,
                      hub.redactor.text(failure.describe()))
    return RunStatus.HELD


def _context(hub: Hub, run: Row, attempt: int) -> RunContext:
    """``run`` is a row of ``_LOAD``: the run's columns and its event's."""
    data: dict[str, Any] = {
        "event": jsonutil.parse_body(run.body),
        "trigger": {
            "source": run.source, "connection": run.connection, "topic": run.topic,
            "delivery_id": run.dedupe_key, "received_at": run.received_at.isoformat(),
        },
        "run": {"id": run.id, "recipe": run.recipe, "attempt": attempt,
                "url": hub.run_url(run.id), "replay_of": run.replay_of},
        "tables": _tables(hub, run.recipe),
    }
    return RunContext(
        run_id=run.id, recipe=run.recipe, attempt=attempt, business_key=run.dedupe_key,
        data=data, sessions=hub.sessions, redactor=hub.redactor, writer=hub.writer,
        ledger=EffectLedger(hub.sessions, run_id=run.id, recipe=run.recipe, redactor=hub.redactor,
                            writer=hub.writer),
    )


def _tables(hub: Hub, slug: str) -> dict[str, Any]:
    built = hub.recipes.get(slug)
    return {name: dict(rows) for name, rows in built.recipe.tables.items()} if built else {}


def _finish(hub: Hub, claimed: Claimed, ctx: RunContext, *, status: RunStatus,
            error: HubError | None = None, delay: timedelta | None = None,
            recipe_hash: str | None = None) -> None:
    """Write the attempt's step runs, its effects and the run's new status in one transaction."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": status, "lease_owner": None, "lease_until": None,
        "error_class": type(error).__name__ if error else None,
        "error_message": hub.redactor.text(error.describe()) if error else None,
    }
    if recipe_hash:
        values["recipe_hash"] = recipe_hash
    if delay is not None:
        values["next_attempt_at"] = now + delay
    else:
        values["finished_at"] = now
    effects = ctx.ledger.take_settled()

    def record(session: Session) -> None:
        with _bookkeeping("saving the effects"):
            write_settled(session, effects)
        with _bookkeeping("saving the step records"):
            _insert_steps(session, claimed, ctx.records)
        session.execute(_SET_RUN, {"run_id": claimed.run_id, **values})

    with _bookkeeping(f"saving the outcome ({status})"):
        ctx.write(record)


def _insert_steps(session: Session, claimed: Claimed, records: list[StepRecord]) -> None:
    """The step runs of one attempt, in one executemany (no ORM unit of work on the hot path)."""
    if records:
        session.execute(_INSERT_STEPS, [
            {"run_id": claimed.run_id, "attempt": claimed.attempt, "step_id": r.step_id,
             "kind": r.kind, "status": r.status, "started_at": r.started_at,
             "finished_at": r.finished_at, "input": r.input, "input_of": r.input_of, "output": r.output,
             "error_class": r.error_class, "error_message": r.error_message}
            for r in records
        ])


def alert(hub: Hub, run_id: int, handlers, ctx: RunContext, error: HubError,
          error_class: str | None = None) -> None:
    """Run the recipe's on_failure handlers once for a dead-lettered run."""
    ctx.data["run"] = {**ctx.data["run"], "error": hub.redactor.text(error.describe()),
                       "error_class": error_class or type(error).__name__}
    ctx.business_key = f"run-{run_id}"
    ctx.records = []
    handlers = alerts.guarded(handlers)  # a text that cannot be rendered must not lose the alert
    for tries in range(1, _ALERT_TRIES + 1):
        failure = _run(handlers, ctx)
        if not isinstance(failure, RetriableError) or tries == _ALERT_TRIES:
            break
        time.sleep(min(failure.retry_after or 2 ** tries, 30))
    _record_alert(hub, run_id, ctx, failure)


def _record_alert(hub: Hub, run_id: int, ctx: RunContext, failure) -> None:
    with _bookkeeping("saving the failure alert's steps"), hub.sessions.begin() as session:
        ctx.ledger.settle(session)
        run = session.get(Run, run_id)
        _insert_steps(session, Claimed(run_id, run.attempt), ctx.records)
        if failure is None:
            run.alerted_at = utcnow()
    if failure is not None:
        log.error("run %s: the failure alert could not be sent: %s", run_id,
                  hub.redactor.text(str(failure)))


#: A dead run is announced by the worker that dead-letters it; one without an alert after this
#: long (dead-lettered where it was accepted, an alert that failed, a worker that stopped
#: between the two) is announced by the sweep. Older than the horizon: left alone.
ANNOUNCE_AFTER = timedelta(minutes=2)
ANNOUNCE_HORIZON = timedelta(days=7)


def announce_dead_runs(hub: Hub, *, limit: int = 20) -> int:
    """Send the failure alert of dead runs that have none yet (oldest first, at most ``limit``);
    how many were tried. Run by the scheduler; an alert that fails is tried at the next sweep."""
    alerting = [slug for slug, built in hub.recipes.items() if built.on_failure]
    if not alerting:
        return 0
    now = utcnow()
    with hub.sessions() as session:
        due = session.scalars(
            select(Run.id).where(Run.status == RunStatus.DEAD, Run.alerted_at.is_(None), Run.recipe.in_(alerting),
                                 Run.finished_at < now - ANNOUNCE_AFTER,
                                 Run.finished_at > now - ANNOUNCE_HORIZON)
            .order_by(Run.id).limit(limit)).all()
    for run_id in due:
        with hub.sessions() as session:
            row = session.execute(_LOAD, {"run_id": run_id}).one()
            run = session.get(Run, run_id)
            attempt, error_class, message = run.attempt, run.error_class, run.error_message
        ctx = _context(hub, row, attempt)
        alert(hub, run_id, hub.recipes[row.recipe].on_failure, ctx,
              HubError(message or "the run is dead"), error_class=error_class)
    return len(due)

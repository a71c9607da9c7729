"""Runs a built recipe's steps in order, recording each step's outcome.

Errors are classified here into the error tree (see hub.errors): our own errors pass through,
a JMESPath evaluation error is fatal (bad data), and any other exception is a fatal internal
error, recorded with its class name.

A database error is recorded by its class alone: ``database error (IntegrityError); details in
the hub log``. Its text quotes the SQL statement and its parameters (the event's data, personal
data), so it never reaches a run record, an alert or the log; the log gets one line with what
the driver names (SQLSTATE, constraint, table, column), never a value. A constraint violation
(IntegrityError: another run stored the same record, claimed the same effect, since this one
looked) and a busy, locked, deadlocked or unreachable database (OperationalError, which includes
PostgreSQL's serialization failures) are retriable: the next attempt reads what the other run
committed. Any other database error is fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from jmespath.exceptions import JMESPathError
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from hub.errors import FatalError, HubError, RetriableError
from hub.pipeline.context import RunContext, StepRecord
from hub.pipeline.step import Filtered, Step, truthy
from hub.store.base import database_detail, utcnow

log = logging.getLogger("o2c_hub.runs")

#: Database errors another run's work at the same moment can cause, gone at the next attempt.
_RETRIABLE_DATABASE_ERRORS = (IntegrityError, OperationalError)
#: A step record's ``input_of`` when the step's input was the run's event.
EVENT = "event"


def run_steps(steps: Sequence[Step], ctx: RunContext, *, prefix: str = "") -> dict[str, Any]:
    """Execute ``steps`` in order; each output lands in ``ctx.data`` under its step id.

    Raises Filtered when a filter stops the run, or a HubError when a step fails.
    """
    outputs: dict[str, Any] = {}
    for step in steps:
        record = StepRecord(step_id=prefix + step.id, kind=step.kind, status="running",
                            started_at=utcnow())
        ctx.records.append(record)
        output = _run_one(step, ctx, record)
        ctx.data[step.id] = outputs[step.id] = output
    return outputs


def _run_one(step: Step, ctx: RunContext, record: StepRecord) -> Any:
    try:
        if step.when is not None and not truthy(step.when(ctx.data)):
            _finish(record, ctx, "skipped")
            return None
        ctx.last_reused = False
        given = step.prepare(ctx)
        if given is not None and given is ctx.data.get("event"):
            record.input_of = EVENT  # the event is stored once, with the run; not again here
        else:
            record.input = ctx.redactor.value(given)
        output = step.execute(ctx, given)
    except Filtered:
        _finish(record, ctx, "filtered", output=False)
        raise
    except Exception as exc:
        error = classify(exc)
        if isinstance(exc, SQLAlchemyError):
            log.log(logging.INFO if isinstance(error, RetriableError) else logging.WARNING,
                    "run %s step %s: %s", ctx.run_id, step.id, database_detail(exc),
                    extra={"run_id": ctx.run_id, "step_id": step.id})
        if error.where is None:
            error.where = f"{step.location}: step {step.id}"
        _finish(record, ctx, "failed", error=error)
        if error is exc:
            raise
        raise error from exc
    _finish(record, ctx, "reused" if ctx.last_reused else "succeeded", output=output)
    return output


def classify(exc: Exception) -> HubError:
    """``exc`` as a member of the error tree, so the run knows whether to retry."""
    if isinstance(exc, HubError):
        return exc
    if isinstance(exc, SQLAlchemyError):
        message = f"database error ({type(exc).__name__}); details in the hub log"
        retriable = isinstance(exc, _RETRIABLE_DATABASE_ERRORS)
        return RetriableError(message) if retriable else FatalError(message)
    if isinstance(exc, JMESPathError):
        return FatalError(f"expression failed on this data: {exc}")
    return FatalError(f"internal error ({type(exc).__name__}): {exc}")


def _finish(record: StepRecord, ctx: RunContext, status: str, *, output: Any = None,
            error: HubError | None = None) -> None:
    record.status = status
    record.finished_at = utcnow()
    record.output = ctx.redactor.value(output)
    if error is not None:
        record.error_class = type(error).__name__
        record.error_message = ctx.redactor.text(error.describe())

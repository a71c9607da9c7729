"""Runs as plain data, the same for the admin API and the CLI."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub import jsonutil
from hub.redact import Redactor
from hub.statuses import RunStatus
from hub.store.platform import Run, StepRun


def run_summary(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "recipe": run.recipe,
        "status": run.status,
        "attempt": run.attempt,
        "event_id": run.event_id,
        "replay_of": run.replay_of,
        "recipe_hash": run.recipe_hash,
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "next_attempt_at": _iso(run.next_attempt_at) if run.status == RunStatus.RETRYING else None,
        "error_class": run.error_class,
        "error_message": run.error_message,
        "alerted_at": _iso(run.alerted_at),
    }


def run_detail(run: Run, redactor: Redactor) -> dict[str, Any]:
    """A run with its event (payload masked) and every step of every attempt."""
    event = run.event
    payload = redactor.value(jsonutil.parse_body(event.body))
    return {
        **run_summary(run),
        "event": {
            "id": event.id, "source": event.source, "connection": event.connection,
            "topic": event.topic, "dedupe_key": event.dedupe_key,
            "received_at": _iso(event.received_at), "headers": redactor.value(event.headers),
            "payload": payload,
        },
        "steps": [step_view(s, payload) for s in run.steps],
    }


def step_view(step: StepRun, event_payload: Any = None) -> dict[str, Any]:
    """One step run; an input that was the run's event (``input_of``) is shown as the event's
    payload, which is stored once, with the event."""
    view = {
        "attempt": step.attempt, "step": step.step_id, "kind": step.kind, "status": step.status,
        "started_at": _iso(step.started_at), "finished_at": _iso(step.finished_at),
        "input": event_payload if step.input_of == "event" else step.input, "output": step.output,
        "error_class": step.error_class, "error_message": step.error_message,
    }
    if step.input_of:
        view["input_of"] = step.input_of
    return view


def list_runs(session, *, status: str | None = None, recipe: str | None = None,
              before_id: int | None = None, limit: int = 50, where: tuple = ()) -> list[Run]:
    """Newest first, filtered (``where``: more SQL conditions on Run, all of them must hold)."""
    query = select(Run).where(*where).order_by(Run.id.desc()).limit(limit)
    if status:
        query = query.where(Run.status == status)
    if recipe:
        query = query.where(Run.recipe == recipe)
    if before_id:
        query = query.where(Run.id < before_id)
    return list(session.scalars(query))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None

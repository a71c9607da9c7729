"""Connections in the console: each configured connection, when it last worked and when it last
failed, and the poll cursors with their reset.

    GET  /console/connections/                       connections and poll cursors
    POST /console/connections/cursors/<slug>/reset   read a poll again from a moment (admin; a reason)

What a connection did is read from what the store already keeps, on indexed columns only:

* calls and notifications: the last :data:`RECENT` step runs (a range of ``step_runs``' key),
  each step mapped to its connection through the loaded recipes;
* polls: each cursor's ``updated_at`` (written after every poll that succeeded; a poll that
  failed is only logged);
* webhooks: the last :data:`RECENT` events, and refused webhooks from the audit log of the last
  :data:`REFUSALS` (by ``at``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from hub.recipe.model import START_NOW, PollTrigger, parse_poll_start
from hub.runs.inbox import audit
from hub.runs.poller import reset_cursor
from hub.runs.rejections import KIND as REFUSED
from hub.statuses import StepStatus
from hub.store.base import utcnow
from hub.store.platform import AuditEntry, Event, PollCursor, Run, StepRun
from hub.web.console.access import actor, requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.forms import reason
from hub.web.console.nav import NavItem
from hub.web.context import current_hub

bp = console_blueprint("console_connections", "/console/connections")
NAV = NavItem(label="Connections", endpoint="console_connections.index", permission="read")
RECENT = 5000
REFUSALS = timedelta(days=7)
CALLING = ("call", "notify")


@bp.get("/")
@requires("read")
def index():
    hub = current_hub()
    steps = _connection_of_steps(hub.recipes)
    with hub.sessions() as session:
        calls = _recent_calls(session, steps)
        polls = dict(session.execute(select(PollCursor.connection, func.max(PollCursor.updated_at))
                                     .group_by(PollCursor.connection)).all())
        webhooks = _recent_webhooks(session)
        refused = _refusals(session)
        cursors = _cursors(session, hub.recipes)
    rows = [{"name": name, "kind": conn.kind or type(conn).__name__,
             "recipes": sorted({slug for (slug, _), c in steps.items() if c == name} | _triggered(hub.recipes, name)),
             "call": calls.get(name, {}), "poll": polls.get(name), "webhook": webhooks.get(name),
             "refused": refused.get(name)}
            for name, conn in sorted(hub.connections.items())]
    return render_template("console/connections/list.html", connections=rows, cursors=cursors,
                           recent=RECENT, refusal_days=REFUSALS.days)


@bp.post("/cursors/<slug>/reset")
@requires("operate")
def reset(slug: str):
    hub = current_hub()
    built = hub.recipes.get(slug)
    if built is None or not isinstance(built.recipe.trigger, PollTrigger):
        abort(404, f"{slug[:120]!r} is not a polling recipe of this hub")
    why = reason()
    given = (request.form.get("to") or "").strip()[:64]
    try:
        when = parse_poll_start(given) if given else None
    except ValueError as exc:
        abort(400, f"Read again from: {exc}")
    count = reset_cursor(hub, slug, datetime.now(timezone.utc) if when == START_NOW else when)
    audit(hub.sessions, "cursor.reset", f"poll cursor(s) of {slug} reset to {given or 'the beginning'} "
          f"by {actor()}; reason: {why}", connection=built.recipe.trigger.connection,
          remote_addr=request.remote_addr)
    flash(f"{count} poll cursor(s) of {slug} reset: its next poll reads from {given or 'the beginning'}.")
    return redirect(url_for(".index") + "#cursors")


def _connection_of_steps(recipes) -> dict[tuple[str, str], str]:
    """(recipe, step id) -> the connection the step calls, for every calling step loaded."""
    found: dict[tuple[str, str], str] = {}
    for slug, built in recipes.items():
        for step in _walk([*built.steps, *built.on_failure, *built.on_hold]):
            connection = getattr(step, "connection", None)
            if isinstance(connection, str):
                found[(slug, step.id)] = connection
    return found


def _walk(steps: Iterable) -> Iterable:
    for step in steps:
        yield step
        yield from _walk(getattr(step, "steps", ()))  # for_each nests steps


def _triggered(recipes, name: str) -> set[str]:
    return {slug for slug, b in recipes.items() if getattr(b.recipe.trigger, "connection", None) == name}


def _recent_calls(session, steps: dict[tuple[str, str], str]) -> dict[str, dict]:
    """Per connection, its last call that succeeded and its last that failed, among the last
    :data:`RECENT` step runs (newest first, on the primary key)."""
    newest = session.scalar(select(func.max(StepRun.id))) or 0
    rows = session.execute(
        select(Run.recipe, StepRun.step_id, StepRun.status, StepRun.finished_at, StepRun.run_id,
               StepRun.error_class, StepRun.error_message)
        .join(Run, Run.id == StepRun.run_id)
        .where(StepRun.id > newest - RECENT, StepRun.kind.in_(CALLING),
               StepRun.status.in_((StepStatus.SUCCEEDED, StepStatus.FAILED)))
        .order_by(StepRun.id.desc()))
    found: dict[str, dict] = {}
    for row in rows:
        leaf = row.step_id.rsplit("].", 1)[-1]  # a for_each's steps are recorded as each[3].step
        connection = steps.get((row.recipe, leaf))
        if connection is not None:
            found.setdefault(connection, {}).setdefault(row.status, row)
    return found


def _recent_webhooks(session) -> dict[str, datetime]:
    newest = session.scalar(select(func.max(Event.id))) or 0
    return dict(session.execute(
        select(Event.connection, func.max(Event.received_at))
        .where(Event.id > newest - RECENT, Event.source == "webhook").group_by(Event.connection)).all())


def _refusals(session) -> dict[str, dict]:
    """Per connection, webhooks refused in the last :data:`REFUSALS`: how many, and the last."""
    recent = (AuditEntry.kind == REFUSED, AuditEntry.at >= utcnow() - REFUSALS)
    found = {}
    for connection, count, last in session.execute(
            select(AuditEntry.connection, func.sum(AuditEntry.count), func.max(AuditEntry.at))
            .where(*recent).group_by(AuditEntry.connection)).all():
        detail = session.scalar(select(AuditEntry.detail).where(
            *recent, AuditEntry.connection == connection, AuditEntry.at == last).limit(1))
        found[connection] = {"count": count, "at": last, "reason": detail}
    return found


def _cursors(session, recipes) -> list[dict]:
    """Every polling recipe with its cursor (none yet: it has not polled)."""
    stored = {(c.recipe, c.connection, c.resource): c for c in session.scalars(select(PollCursor))}
    rows = []
    for slug, built in sorted(recipes.items()):
        trigger = built.recipe.trigger
        if isinstance(trigger, PollTrigger):
            row = stored.pop((slug, trigger.connection, trigger.resource), None)
            rows.append({"recipe": slug, "connection": trigger.connection, "resource": trigger.resource,
                         "cursor": row, "loaded": True})
    rows += [{"recipe": c.recipe, "connection": c.connection, "resource": c.resource, "cursor": c,
              "loaded": False} for c in stored.values()]
    return rows

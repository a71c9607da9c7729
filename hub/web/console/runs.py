"""Runs in the console: the list (filters, newest first, paged by id), one run in full, and
the admin's actions on it.

    GET  /console/runs/                      ?status=&recipe=&since=&until=&q=&before_id=
    GET  /console/runs/<id>                  attempts, steps (input and output as stored, masked)
    POST /console/runs/<id>/replay           queue a replay (admin; a reason is required)
    GET  /console/runs/<id>/edit             the payload in a form, to correct it
    POST /console/runs/<id>/resubmit         a new event with the edited payload (admin; a reason)
    POST /console/runs/bulk-replay           ?recipe=&since=&until=&q=  replay every dead run not
                                             replayed yet that matches (admin; a reason)
    GET  /console/runs/bulk/<job>            its progress (the page reloads itself until done)

``q`` finds runs by id, by the event's delivery id (dedupe key), by a business key of their
effects, or by text in the event's body (an order number) among the newest :data:`BODY_SCAN`
events: bodies are not indexed, and reading every one takes seconds on a large store.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import Integer, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hub import jsonutil
from hub.errors import ReplayError, RunNotFound
from hub.runs.bulk import BulkReplays
from hub.runs.pauses import paused_recipes
from hub.runs.replay import dead_run_ids, replay
from hub.runs.report import list_runs, run_detail, run_summary
from hub.runs.resubmit import resubmit
from hub.statuses import DUE, RUN_STATUSES, RunStatus
from hub.store.platform import Effect, Event, Run
from hub.web import MAX_BODY
from hub.web.console.access import actor, requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console import forms
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import MAX_JSON_DEPTH, nesting_depth, query_date, query_int

bp = console_blueprint("console_runs", "/console/runs")
NAV = NavItem(label="Runs", endpoint="console_runs.index", permission="read")
PAGE = 50
MAX_QUERY = 200
MAX_BULK = 10_000
BODY_SCAN = 20_000


@bp.get("/")
@requires("read")
def index():
    filters = _filters()
    before_id = query_int("before_id", None)
    with current_hub().sessions() as session:
        found = list_runs(session, status=filters["status"], recipe=filters["recipe"],
                          before_id=before_id, limit=PAGE + 1, where=_conditions(filters))
        rows = [run_summary(r) for r in found[:PAGE]]
    older = rows[-1]["id"] if len(found) > PAGE else None
    return render_template("console/runs/list.html", runs=rows, filters=filters, older=older,
                           paged=before_id is not None, statuses=RUN_STATUSES,
                           recipes=sorted(current_hub().recipes))


def _filters() -> dict:
    status = request.args.get("status") or None
    if status is not None and status not in RUN_STATUSES:
        abort(400, f"status must be one of {', '.join(RUN_STATUSES)}")
    q = (request.args.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        abort(400, f"the search text is longer than {MAX_QUERY} characters")
    return {"status": status, "recipe": (request.args.get("recipe") or "")[:120] or None,
            "since": query_date("since"), "until": query_date("until"), "q": q or None}


def _conditions(filters: dict) -> tuple:
    conditions = []
    if filters["since"]:
        conditions.append(Run.created_at >= datetime.combine(filters["since"], time(), timezone.utc))
    if filters["until"]:
        end = datetime.combine(filters["until"], time(), timezone.utc) + timedelta(days=1)
        conditions.append(Run.created_at < end)
    if filters["q"]:
        conditions.append(_search(filters["q"]))
    return tuple(conditions)


def _search(q: str):
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    newest = select(func.max(Event.id)).scalar_subquery()
    in_body = and_(Event.id > newest - BODY_SCAN, _BytesPosition(q.encode(), Event.body) > 0)
    events = select(Event.id).where(or_(Event.dedupe_key.like(pattern, escape="\\"), in_body))
    effects = select(Effect.run_id).where(Effect.key.like(pattern, escape="\\"))
    found = [Run.event_id.in_(events), Run.id.in_(effects)]
    if q.isascii() and q.isdigit() and len(q) <= 18:
        found.append(Run.id == int(q))
    return or_(*found)


class _BytesPosition(FunctionElement):
    """Where bytes occur in a binary column (0: nowhere), on SQLite and PostgreSQL alike."""

    type = Integer()
    inherit_cache = True


@compiles(_BytesPosition)
def _instr(element, compiler, **kw):
    needle, haystack = element.clauses
    return f"instr({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)})"


@compiles(_BytesPosition, "postgresql")
def _position(element, compiler, **kw):
    needle, haystack = element.clauses
    return f"position({compiler.process(needle, **kw)} in {compiler.process(haystack, **kw)})"


@bp.get("/<id:run_id>")
@requires("read")
def show(run_id: int):
    hub = current_hub()
    with hub.sessions() as session:
        run = _run(session, run_id)
        readable = nesting_depth(run.event.body or b"") <= MAX_JSON_DEPTH
        detail = run_detail(run, hub.redactor) if readable else {**run_summary(run), "steps": []}
        replays = list(session.scalars(select(Run.id).where(Run.replay_of == run_id).order_by(Run.id)))
        event_source = run.event.source
    loaded = hub.recipes.get(detail["recipe"])
    pause = paused_recipes(hub.sessions).get(detail["recipe"]) if detail["status"] in DUE else None
    return render_template("console/runs/show.html", run=detail, readable=readable,
                           attempts=_by_attempt(detail["steps"]), replays=replays,
                           event_source=event_source, pause=pause, recipe_loaded=loaded is not None,
                           current_hash=loaded.recipe.hash if loaded else None)


def _by_attempt(steps: list[dict]) -> list[tuple[int, list[dict]]]:
    attempts: dict[int, list[dict]] = {}
    for step in steps:
        step["duration_ms"] = _duration_ms(step["started_at"], step["finished_at"])
        attempts.setdefault(step["attempt"], []).append(step)
    return sorted(attempts.items())


def _duration_ms(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() * 1000)


@bp.post("/<id:run_id>/replay")
@requires("operate")
def replay_run(run_id: int):
    hub = current_hub()
    reason = forms.reason()
    hashes = {slug: b.recipe.hash for slug, b in hub.recipes.items()}
    try:
        new_id = replay(hub.sessions, run_id, hashes, who=actor(), reason=reason,
                        remote_addr=request.remote_addr)
    except RunNotFound as exc:
        abort(404, str(exc))
    except ReplayError as exc:
        abort(409, str(exc))
    hub.wake()
    flash(f"Run {run_id} replayed as run {new_id}.")
    return redirect(url_for(".show", run_id=new_id))


@bp.get("/<id:run_id>/edit")
@requires("operate")
def edit(run_id: int):
    hub = current_hub()
    with hub.sessions() as session:
        run = _run(session, run_id)
        if nesting_depth(run.event.body or b"") > MAX_JSON_DEPTH:
            abort(409, f"run {run_id}'s event nests deeper than {MAX_JSON_DEPTH} levels: it cannot be edited here")
        payload = hub.redactor.value(jsonutil.parse_body(run.event.body))
        status = run.status
    return render_template("console/runs/edit.html", run_id=run_id, status=status,
                           payload=jsonutil.dumps(payload, pretty=True))


@bp.post("/<id:run_id>/resubmit")
@requires("operate")
def resubmit_run(run_id: int):
    hub = current_hub()
    reason = forms.reason()
    body = _edited_body()
    hashes = {slug: b.recipe.hash for slug, b in hub.recipes.items()}
    try:
        new_id = resubmit(hub.sessions, run_id, body, hashes, who=actor(), reason=reason,
                          remote_addr=request.remote_addr)
    except RunNotFound as exc:
        abort(404, str(exc))
    except ReplayError as exc:
        abort(409, str(exc))
    hub.wake()
    flash(f"Run {run_id} resubmitted with the edited payload as run {new_id}.")
    return redirect(url_for(".show", run_id=new_id))


def _edited_body() -> bytes:
    text = request.form.get("payload", "")
    body = text.encode("utf-8", errors="replace")
    if len(body) > MAX_BODY:
        abort(413, "the edited payload is larger than the webhook body limit")
    if nesting_depth(body) > MAX_JSON_DEPTH:
        abort(400, f"the edited payload nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        jsonutil.loads(text)
    except ValueError as exc:
        abort(400, f"the edited payload is not valid JSON: {str(exc)[:200]}")
    broken = jsonutil.invalid_unicode(text)
    if broken:
        abort(400, f"the edited payload holds {broken}")
    return body



def _run(session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        abort(404, f"there is no run {run_id}")
    return run


@bp.post("/bulk-replay")
@requires("operate")
def bulk_replay():
    hub = current_hub()
    reason = forms.reason()
    filters = {**_filters(), "status": RunStatus.DEAD}
    ids = dead_run_ids(hub.sessions, recipe=filters["recipe"], where=_conditions(filters), limit=MAX_BULK)
    if not ids:
        flash("No dead run matching these filters is waiting for a replay.")
        return redirect(url_for(".index", **request.args))
    what = ", ".join(f"{k} {v}" for k, v in filters.items() if v)
    hashes = {slug: b.recipe.hash for slug, b in hub.recipes.items()}
    job = _bulk_replays().start(ids, hashes, what=what, who=actor(), reason=reason,
                                remote_addr=request.remote_addr)
    return redirect(url_for(".bulk_progress", job_id=job.id, **request.args))


@bp.get("/bulk/<job_id>")
@requires("read")
def bulk_progress(job_id: str):
    job = _bulk_replays().get(job_id)
    if job is None:
        abort(404, "this bulk replay is no longer followed (the hub restarted, or many were started "
                   "since); dead runs not replayed yet can be replayed again from the Runs page")
    page = render_template("console/runs/bulk.html", job=job, limit=MAX_BULK, filters=request.args)
    return page, 200, ({} if job.finished else {"Refresh": "2"})


def _bulk_replays() -> BulkReplays:
    hub = current_hub()
    return current_app.extensions.setdefault("o2c_console_bulk_replays",
                                             BulkReplays(hub.sessions, lambda: hub.wake()))

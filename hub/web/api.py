"""The admin API under /api/v1, behind ``Authorization: Bearer <admin token>``.

    GET  /api/v1/recipes                 loaded recipes
    GET  /api/v1/runs?status=&recipe=    runs, newest first (limit 1-500, before_id to page)
    GET  /api/v1/health                  database state, recipes loaded, runs by status
    GET  /api/v1/runs/<id>               one run: its event, every step of every attempt
    POST /api/v1/runs/<id>/replay        {"reason": "..."} optional: queue a replay (202 with the new run id; 409 when the
                                         event's body nests too deep to process)

A stored body nested deeper than ``MAX_JSON_DEPTH`` (a dead-lettered webhook) is shown as a
``payload_unreadable`` reason instead of its payload.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from hub.errors import ReplayError, RunNotFound
from hub.recipe.model import PollTrigger, ScheduleTrigger, WebhookTrigger
from hub.runs.replay import replay
from hub.runs.report import list_runs, run_detail, run_summary, step_view
from hub.statuses import RUN_STATUSES
from hub.store.platform import Event, Run
from hub.web.auth import protect
from hub.web.context import current_hub
from hub.web.inputs import MAX_JSON_DEPTH, json_object, nesting_depth, query_int, reason_of

bp = protect(Blueprint("api", __name__, url_prefix="/api/v1"))


@bp.get("/recipes")
def recipes():
    return jsonify(recipes=[recipe_view(b.recipe) for b in current_hub().recipes.values()])


@bp.get("/runs")
def runs():
    limit = query_int("limit", 50, high=500)
    before_id = query_int("before_id", None)
    status = request.args.get("status") or None
    if status is not None and status not in RUN_STATUSES:
        abort(400, f"status must be one of {', '.join(RUN_STATUSES)}, not {status[:40]!r}")
    with current_hub().sessions() as session:
        found = list_runs(session, status=status,
                          recipe=request.args.get("recipe"), before_id=before_id, limit=limit)
        return jsonify(runs=[run_summary(r) for r in found])


@bp.get("/runs/<id:run_id>")
def run(run_id: int):
    hub = current_hub()
    with hub.sessions() as session:
        found = session.get(Run, run_id)
        if found is None:
            abort(404, f"there is no run {run_id}")
        if _too_deep(found.event):
            return jsonify(_detail_without_payload(found, hub.redactor))
        return jsonify(run_detail(found, hub.redactor))


@bp.post("/runs/<id:run_id>/replay")
def replay_run(run_id: int):
    hub = current_hub()
    with hub.sessions() as session:
        found = session.get(Run, run_id)
        if found is not None and _too_deep(found.event):
            abort(409, f"run {run_id}'s event nests deeper than {MAX_JSON_DEPTH} levels: a replay cannot process it")
    reason = reason_of(json_object())  # optional for machines; a person's curl should say why
    hashes = {slug: b.recipe.hash for slug, b in hub.recipes.items()}
    try:
        new_id = replay(hub.sessions, run_id, hashes, who="admin API", reason=reason,
                        remote_addr=request.remote_addr)
    except RunNotFound as exc:
        abort(404, str(exc))
    except ReplayError as exc:
        abort(409, str(exc))
    hub.wake()
    return jsonify(run_id=new_id, replay_of=run_id), 202


def _too_deep(event: Event) -> bool:
    return nesting_depth(event.body or b"") > MAX_JSON_DEPTH


def _detail_without_payload(run: Run, redactor) -> dict:
    """``run_detail`` for an event whose body the JSON parser cannot read."""
    event = run.event
    return {
        **run_summary(run),
        "event": {
            "id": event.id, "source": event.source, "connection": event.connection,
            "topic": event.topic, "dedupe_key": event.dedupe_key,
            "received_at": event.received_at.isoformat(), "headers": redactor.value(event.headers),
            "payload": None,
            "payload_unreadable": f"the body ({len(event.body)} bytes) nests deeper than {MAX_JSON_DEPTH} levels",
        },
        "steps": [step_view(s) for s in run.steps],  # an input that was the event: shown as None
    }


def recipe_view(recipe) -> dict:
    return {
        "recipe": recipe.slug, "description": recipe.description, "path": recipe.path,
        "hash": recipe.hash, "trigger": trigger_view(recipe.trigger),
        "steps": [{"id": s.id, "kind": s.kind} for s in recipe.steps],  # kind: the step's YAML key
    }


def trigger_view(trigger) -> dict:
    if isinstance(trigger, WebhookTrigger):
        topics = list(trigger.topics or ()) or None  # as written: one topic, or the list
        return {"webhook": {"connection": trigger.connection,
                            "topic": topics[0] if topics and len(topics) == 1 else topics}}
    if isinstance(trigger, PollTrigger):
        return {"poll": {"connection": trigger.connection, "resource": trigger.resource,
                         "every_seconds": trigger.every.total_seconds()}}
    if isinstance(trigger, ScheduleTrigger):
        return {"schedule": {"cron": trigger.cron, "timezone": trigger.timezone}}
    return {"manual": {}}


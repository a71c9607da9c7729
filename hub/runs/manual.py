"""A recipe started by a command: one event for it, and its first attempt executed right here.

    built = only_recipe([b for b, step in steps_of(hub, "dunning")], "a dunning step", hint)
    ran = run_now(hub, built, payload, kind="dunning")

``o2c-hub cashapp run`` and ``o2c-hub dunning run`` start their recipes this way, so each is a run
like any other: recorded with its steps, retried by the running hub when it fails for a passing
reason, alerted when it ends dead, replayable. ``ran.outputs`` are the outputs of the run's
top-level steps of ``kind``, for the command to say what was done.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from hub import jsonutil
from hub.errors import RefusedError
from hub.runs import queue
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.pauses import is_paused
from hub.statuses import DONE_STEPS, RunStatus
from hub.store.platform import Run, StepRun

if TYPE_CHECKING:
    from hub.hub import Hub
    from hub.pipeline.step import Step
    from hub.recipe.build import BuiltRecipe


PAUSED = "paused"  # not a run status: the run is queued, and its recipe paused
#: How a command that ran a recipe exits, by the run's status (as ``o2c-hub trigger`` does).
EXIT_CODES = {RunStatus.DEAD: 1, RunStatus.REJECTED: 1, RunStatus.HELD: 3, PAUSED: 4}


def steps_of(hub: Hub, kind: str) -> list[tuple[BuiltRecipe, Step]]:
    """(recipe, step) for each top-level step of ``kind`` in the loaded recipes, by slug."""
    return [(built, step) for _, built in sorted(hub.recipes.items()) for step in built.steps if step.kind == kind]


def only_recipe(found: list[BuiltRecipe], what: str, hint: str) -> BuiltRecipe:
    """The one recipe of ``found`` (``what`` names what they have in common); RefusedError
    saying what to do (``hint``) when there is none, or which to choose when there are several."""
    slugs = sorted({built.slug for built in found})
    if not slugs:
        raise RefusedError(f"no loaded recipe has {what}: {hint}")
    if len(slugs) > 1:
        raise RefusedError(f"{len(slugs)} loaded recipes have {what} ({', '.join(slugs)}): name one with "
                           f"--recipe, or run it with o2c-hub trigger RECIPE")
    return found[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ran:
    """Where a run started by hand stands after its attempt here."""

    run_id: int
    recipe: str
    status: str  # the run's (RunStatus); PAUSED when it waits for its paused recipe
    summary: str  # one line: the run, its status, attempts and error
    outputs: tuple[Any, ...]

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 0)


def run_now(hub: Hub, built: BuiltRecipe, payload: dict[str, Any], *, kind: str, timeout: float = 300) -> Ran:
    """Queue a run of ``built`` on a manual event holding ``payload`` and execute it here (or,
    when the running hub took it first, wait for it, up to ``timeout`` seconds). The database is
    brought up to date first and the recipe's version remembered, as for ``o2c-hub trigger``."""
    hub.migrate()
    accepted = accept(hub.sessions, NewEvent(
        source="manual", topic="manual", body=jsonutil.dumps(payload).encode(),
        dedupe_key=f"manual:{built.slug}:{uuid.uuid4().hex}",
    ), [(built.slug, built.recipe.hash)])
    run_id, owner = accepted.run_ids[0], queue.new_owner()
    deadline = time.monotonic() + timeout
    while True:
        claimed = queue.claim_run(hub.sessions, owner, run_id)
        if claimed is not None:
            execute(hub, claimed)
        ran = _ran(hub, run_id, kind)
        if ran.status not in (RunStatus.QUEUED, RunStatus.RUNNING) or time.monotonic() > deadline:
            return ran
        time.sleep(0.2)


def _ran(hub: Hub, run_id: int, kind: str) -> Ran:
    with hub.sessions() as session:
        run = session.get(Run, run_id)
        outputs = session.scalars(select(StepRun.output).where(
            StepRun.run_id == run_id, StepRun.attempt == run.attempt, StepRun.kind == kind,
            StepRun.status.in_(DONE_STEPS), StepRun.step_id.not_like("%[%")).order_by(StepRun.id)).all()
        paused = run.status == RunStatus.QUEUED and is_paused(hub.sessions, run.recipe)
        return Ran(run_id=run_id, recipe=run.recipe, status=PAUSED if paused else run.status,
                   summary=_summary(run, paused), outputs=tuple(outputs))


def _summary(run: Run, paused: bool) -> str:
    if paused:
        return (f"run {run.id} ({run.recipe}): waits, recipe {run.recipe} is paused; it runs when the recipe "
                f"is resumed (o2c-hub recipes resume {run.recipe} --reason WHY)")
    line = f"run {run.id} ({run.recipe}): {run.status} after {run.attempt} attempt(s)"
    if run.error_message:
        line += f": {run.error_class}: {run.error_message}"
    if run.status == RunStatus.RETRYING:
        line += f"; next attempt at {run.next_attempt_at.isoformat()} by the running hub"
    return line

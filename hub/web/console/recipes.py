"""Recipes in the console: what is loaded, how it has done, what is wrong in the files on
disk, and pausing.

    GET  /console/recipes/                   each recipe: trigger, state, last run, 24 h success
    GET  /console/recipes/<slug>             one recipe: its steps, its YAML, its file's problems
    POST /console/recipes/<slug>/pause       stop running it (admin; a reason is required)
    POST /console/recipes/<slug>/resume      run what waited (admin; a reason is required)

The hub refuses to start with a broken recipe, so the problems shown are those of files changed
since it started (the next start would refuse them): the files of ``recipes:`` are validated
again when one of them changed (size or modification time), not at every page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from hub.canonical import known_entities
from hub.errors import Issue
from hub.recipe.load import validate_paths
from hub.runs.pauses import pause_recipe, paused_recipes, resume_recipe, waiting_runs
from hub.runs.report import list_runs, run_summary
from hub.settings import Settings
from hub.statuses import RunStatus
from hub.store.base import utcnow
from hub.store.platform import Run
from hub.web.api import recipe_view
from hub.web.console.access import actor, requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.forms import reason
from hub.web.console.nav import NavItem
from hub.web.context import current_hub

bp = console_blueprint("console_recipes", "/console/recipes")
NAV = NavItem(label="Recipes", endpoint="console_recipes.index", permission="read")
WINDOW = timedelta(hours=24)
_FILES = "o2c_console_recipe_files"


@bp.get("/")
@requires("read")
def index():
    hub = current_hub()
    paused = paused_recipes(hub.sessions)
    issues = _recipe_files().issues()
    with hub.sessions() as session:
        rates = _success_24h(session)
        last = {slug: _last_run(session, slug) for slug in hub.recipes}
    rows = [{"view": recipe_view(b.recipe), "pause": paused.get(slug), "last": last[slug],
             "rate": rates.get(slug), "problems": len(_issues_of(issues, b.recipe.path))}
            for slug, b in sorted(hub.recipes.items())]
    return render_template("console/recipes/list.html", recipes=rows, issues=issues)


@bp.get("/<slug>")
@requires("read")
def show(slug: str):
    hub = current_hub()
    built = _loaded(slug)
    with hub.sessions() as session:
        last = _last_run(session, slug)
        rate = _success_24h(session).get(slug)
    return render_template(
        "console/recipes/show.html", recipe=recipe_view(built.recipe), last=last, rate=rate,
        pause=paused_recipes(hub.sessions).get(slug), waiting=waiting_runs(hub.sessions, slug),
        text=hub.redactor.text(built.recipe.text),
        issues=_issues_of(_recipe_files().issues(), built.recipe.path))


@bp.post("/<slug>/pause")
@requires("operate")
def pause(slug: str):
    _loaded(slug)
    why = reason()
    if pause_recipe(current_hub().sessions, slug, who=actor(), reason=why, remote_addr=request.remote_addr):
        flash(f"Recipe {slug} is paused: its webhooks are still stored, its runs wait until you resume it.")
    else:
        flash(f"Recipe {slug} was already paused.")
    return redirect(url_for(".show", slug=slug))


@bp.post("/<slug>/resume")
@requires("operate")
def resume(slug: str):
    _loaded(slug)
    hub = current_hub()
    if resume_recipe(hub.sessions, slug, who=actor(), reason=reason(), remote_addr=request.remote_addr):
        hub.wake()
        flash(f"Recipe {slug} is running again: the runs that waited are being run.")
    else:
        flash(f"Recipe {slug} was not paused.")
    return redirect(url_for(".show", slug=slug))


def _loaded(slug: str):
    built = current_hub().recipes.get(slug)
    if built is None:
        abort(404, f"no recipe {slug[:120]!r} is loaded")
    return built


def _last_run(session, slug: str) -> dict | None:
    found = list_runs(session, recipe=slug, limit=1)
    return run_summary(found[0]) if found else None


def _success_24h(session) -> dict[str, dict]:
    """Per recipe, runs finished in the last 24 hours: succeeded, dead and the success share
    (on ``ix_runs_finished``)."""
    counts: dict[str, dict] = {}
    rows = session.execute(
        select(Run.recipe, Run.status, func.count())
        .where(Run.status.in_((RunStatus.SUCCEEDED, RunStatus.DEAD)), Run.finished_at >= utcnow() - WINDOW)
        .group_by(Run.recipe, Run.status))
    for slug, status, n in rows:
        counts.setdefault(slug, {RunStatus.SUCCEEDED: 0, RunStatus.DEAD: 0})[status] = n
    for c in counts.values():
        c["finished"] = c[RunStatus.SUCCEEDED] + c[RunStatus.DEAD]
        c["percent"] = round(100 * c[RunStatus.SUCCEEDED] / c["finished"])
    return counts


def _issues_of(issues: list[FileIssue], path: str) -> list[FileIssue]:
    target = Path(path).resolve()
    return [i for i in issues if i.source == target]


def _recipe_files() -> RecipeFiles:
    files = current_app.extensions.get(_FILES)
    if files is None:
        files = current_app.extensions.setdefault(_FILES, RecipeFiles(current_hub().settings))
    return files


class RecipeFiles:
    """The problems in the recipe files on disk now; validated again only when a file was
    added, removed or changed (its size or modification time)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._issues: list[FileIssue] = []

    def issues(self) -> list[FileIssue]:
        paths = self.settings.recipe_paths()
        stamp = tuple((str(p), *_file_stamp(p)) for p in paths)
        with self._lock:
            if stamp != self._stamp:
                found = validate_paths(paths, connections=self.settings.connections,
                                       entities=known_entities())
                self._issues, self._stamp = [self._shown(i) for i in found], stamp
            return self._issues

    def _shown(self, issue: Issue) -> FileIssue:
        """``issue`` naming its file from the config file's folder, as the config names it."""
        base = self.settings.path.parent.resolve()
        full = Path(issue.file).resolve()
        shown = full.relative_to(base) if full.is_relative_to(base) else full
        return FileIssue(source=full, text=str(replace(issue, file=str(shown))))


@dataclass(frozen=True, slots=True, kw_only=True)
class FileIssue:
    """One problem of a recipe file: the file it is in, and the problem as people read it."""

    source: Path
    text: str  # file:line:col: json/path: message


def _file_stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)

"""The ``o2c-hub`` command.

    o2c-hub validate PATH...             check recipe files (exit 1 on any problem)
    o2c-hub run                          serve webhooks + admin API, run scheduler and workers
    o2c-hub worker                       execute runs only (started by run with worker_processes)
    o2c-hub demo [--once]                the same, with every system as a sandbox, and an O2C day played
    o2c-hub db upgrade                   create / migrate the database
    o2c-hub trigger RECIPE --payload F   run a recipe now with a JSON payload
    o2c-hub runs list | runs show ID     inspect runs
    o2c-hub replay RUN_ID... | --dead --reason R  re-run finished runs without repeating done effects
    o2c-hub cursors list | reset RECIPE --reason R  poll cursors
    o2c-hub recipes list | pause | resume  pause a recipe: its runs wait, nothing is lost
    o2c-hub bank import FILE...          store camt.053 / MT940 statement transactions
    o2c-hub bank lines [--state S]       stored bank lines with their statement and state
    o2c-hub users add NAME --role R --reason R  web console users (add, list, remove, hash)

Every command reads the config file from --config (or $O2C_HUB_CONFIG, default config.yaml).
Every command that changes something for a person's reasons takes --reason, for the audit log.

``trigger`` and ``replay`` (with --wait, the default) exit 0 when their runs succeeded (or wait
for their next attempt in the running hub), 1 when one ended dead, 3 when one is held for a
credit decision and 4 when one waits for its paused recipe to be resumed (checked in that order).
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import click
from sqlalchemy import select

from hub import jsonutil
from hub.errors import ConfigError, HubError
from hub.cli_common import REASON_HELP, ROW_ID, HubGroup, LazyGroup, command_line_actor, reason_text
from hub.cli_common import fail as _fail
from hub.cli_common import hub_from as _hub
from hub.hub import Hub
from hub.recipe.model import START_NOW, parse_poll_start
from hub.registry import ConnectorRegistry
from hub.runs import queue
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept, audit
from hub.runs.poller import reset_cursor
from hub.runs.pauses import is_paused
from hub.runs.replay import replay as queue_replay
from hub.runs.report import list_runs, run_detail
from hub.settings import (Settings, demo_secrets_message, empty_secrets_message, load_settings,
                          weak_admin_token_message, weak_console_key_message)
from hub.statuses import DUE, RUN_STATUSES, RunStatus
from hub.store.platform import PollCursor, Run

#: Where ``trigger --wait`` stops waiting for a run: it ended, waits for its next attempt in the
#: running hub, or waits for a person (a credit decision); a paused recipe's run is told apart.
FINAL = (RunStatus.SUCCEEDED, RunStatus.DEAD, RunStatus.RETRYING, RunStatus.HELD, RunStatus.REJECTED)
PAUSED = "paused"  # not a run status: the run is queued, and its recipe paused
#: Exit codes of trigger and replay with --wait, the first status found in this order deciding.
EXIT_CODES = {RunStatus.DEAD: 1, RunStatus.REJECTED: 1, RunStatus.HELD: 3, PAUSED: 4}


# Command groups of the O2C services, each kept beside its service, imported when used.
SERVICE_GROUPS = {
    "ar": "hub.o2c.reports_cli:ar", "cashapp": "hub.o2c.cashapp.cli:cashapp", "credit": "hub.o2c.credit.cli:credit",
    "dunning": "hub.o2c.dunning.cli:dunning", "einvoice": "hub.o2c.einvoice.cli:einvoice",
    "erase": "hub.retention_cli:erase", "exceptions": "hub.o2c.credit.cli:exceptions", "init": "hub.init_cli:init",
    "order": "hub.o2c.orders_cli:order", "prune": "hub.retention_cli:prune", "recipes": "hub.recipes_cli:recipes",
    "users": "hub.users_cli:users",
}


@click.group(cls=HubGroup, lazy=SERVICE_GROUPS)
@click.version_option(package_name="o2c-hub", prog_name="o2c-hub")
@click.option("--config", "config_path", envvar="O2C_HUB_CONFIG", default="config.yaml",
              show_default=True, type=click.Path(dir_okay=False), help="The config file.")
@click.option("--debug", is_flag=True,
              help="On a failure, show the traceback instead of the one-line reason.")
@click.pass_context
def main(ctx: click.Context, config_path: str, debug: bool) -> None:
    """o2c-hub: order-to-cash integration hub."""
    ctx.obj = config_path


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Check recipe files; print every problem as file:line:col; exit 1 if any. Valid recipes
    are then checked for calls made at least once (warnings, exit 0)."""
    from hub.canonical import known_entities
    from hub.recipe.load import delivery_warnings, validate_paths

    try:
        settings = load_settings(ctx.find_root().obj, ConnectorRegistry.from_entry_points())
    except ConfigError as exc:
        _fail(str(exc))
    files = _recipe_files(paths)
    issues = validate_paths(files, connections=settings.connections, entities=known_entities())
    for issue in issues:
        click.echo(str(issue))
    if issues:
        _fail(f"{len(issues)} problem(s) in {len({i.file for i in issues})} of {len(files)} file(s)")
    for warning in delivery_warnings(files, connections=settings.connections):
        click.echo(str(warning))
    click.echo(f"{len(files)} recipe file(s) valid")


def _recipe_files(paths: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p]
    return files


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Serve webhooks and the admin API; run the scheduler and the workers."""
    from hub.server import serve

    hub = _hub(ctx, settings=_refuse_demo_secrets(ctx))
    _logging(hub)
    _check_config_users(hub)
    if not hub.settings.admin_token:
        logging.getLogger("o2c_hub").warning("admin/token is not set: the admin API is disabled "
                                             "(it answers 503) until the config file gives one")
    serve(hub)


@main.command()
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Execute queued runs only (the hub starts these itself when worker_processes > 0)."""
    from hub.workerproc import run_worker

    hub = _hub(ctx, settings=_refuse_demo_secrets(ctx))
    _logging(hub)
    run_worker(hub)


@main.command()
@click.option("--once", is_flag=True, help="Play the demo day, then stop (instead of serving on).")
@click.pass_context
def demo(ctx: click.Context, once: bool) -> None:
    """Run the hub with every system as a local sandbox and play an O2C day through it
    (hub/starter/config.yaml as shipped)."""
    from hub.demo import run_demo

    def build() -> Hub:
        hub = _hub(ctx)
        _logging(hub)
        return hub

    sys.exit(run_demo(build, ctx.find_root().obj, once=once))


def _refuse_demo_secrets(ctx: click.Context) -> Settings:
    """Exit 1 naming every secret still set to a value published in the starter config, or an
    admin token short enough to guess, before the database is touched; else the settings
    (the hub is built from them: the config file is read once)."""
    settings = load_settings(ctx.find_root().obj, ConnectorRegistry.from_entry_points())
    problem = (demo_secrets_message(settings) or empty_secrets_message(settings)
               or weak_admin_token_message(settings) or weak_console_key_message(settings))
    if problem:
        _fail(problem)
    return settings


def _check_config_users(hub: Hub) -> None:
    """Exit 1 when a user of the config file is also a user of the database (which password
    would count is not guessed); else note in the audit log when the config's users changed."""
    from hub.users import clashing_users, record_config_users

    clash = clashing_users(hub.sessions, hub.settings.console_users)
    if clash:
        _fail(f"{hub.settings.path}: console/users names {', '.join(clash)}, also added with `o2c-hub users "
              "add`: a user comes from one place only. Delete them from the config file, or remove them "
              "from the database (o2c-hub users remove NAME --reason WHY) to keep the config's.")
    record_config_users(hub.sessions, hub.settings.console_users)


def _logging(hub: Hub) -> None:
    from hub.logs import configure

    configure(hub.settings.log_level, hub.settings.log_format, hub.redactor)
    hub.install_log_redaction()


@main.group()
def db() -> None:
    """Database commands."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Create the database or migrate it to the latest schema."""
    hub = _hub(ctx)
    hub.migrate()
    click.echo(f"database is up to date ({hub.redactor.text(hub.settings.database_url)})")


@main.command()
@click.argument("recipe")
@click.option("--payload", type=click.File("rb"), help="JSON file with the event payload.")
@click.option("--key", help="Idempotency key: triggering twice with one key runs once.")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Run it here and print the outcome, or only queue it for the running hub.")
@click.pass_context
def trigger(ctx: click.Context, recipe: str, payload, key: str | None, wait: bool) -> None:
    """Run RECIPE now with the payload (a manual trigger)."""
    from hub.web.inputs import MAX_JSON_DEPTH, nesting_depth

    hub = _hub(ctx)
    hub.migrate()
    built = hub.recipes.get(recipe)
    if built is None:
        _fail(f"no recipe {recipe!r} is loaded (loaded: {', '.join(sorted(hub.recipes)) or 'none'})")
    body = payload.read() if payload else b"{}"
    if nesting_depth(body) > MAX_JSON_DEPTH:  # the JSON parser recurses: refuse before it overflows
        _fail(f"{payload.name}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        jsonutil.loads(body)
    except ValueError as exc:
        _fail(f"{payload.name}: not valid JSON: {exc}")
    broken = jsonutil.invalid_unicode(body.decode("utf-8", errors="replace"))
    if broken:
        _fail(f"{payload.name}: the payload holds {broken}")
    accepted = accept(hub.sessions, NewEvent(
        source="manual", topic="manual", body=body,
        dedupe_key=f"manual:{recipe}:{key or uuid.uuid4().hex}",
    ), [(built.slug, built.recipe.hash)])
    run_ids = accepted.run_ids
    click.echo(f"{'already triggered' if accepted.duplicate else 'queued'}: run {', '.join(map(str, run_ids))}")
    if wait:
        _run_all_here(hub, run_ids)


def _run_all_here(hub: Hub, run_ids) -> None:
    """Run each of ``run_ids`` here and print its outcome; exit with :data:`EXIT_CODES`."""
    statuses = [_run_here(hub, run_id) for run_id in run_ids]
    for status, code in EXIT_CODES.items():
        if status in statuses:
            sys.exit(code)


def _run_here(hub: Hub, run_id: int, timeout: float = 300) -> str | None:
    """Execute ``run_id`` in this process (or wait if the hub took it); print and return its
    status, or :data:`PAUSED` at once when it waits for its paused recipe."""
    owner = queue.new_owner()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        claimed = queue.claim_run(hub.sessions, owner, run_id)
        if claimed is not None:
            execute(hub, claimed)
        with hub.sessions() as session:
            found = session.get(Run, run_id)
            if found.status in FINAL:
                _print_outcome(found)
                return found.status
            if found.status in DUE and is_paused(hub.sessions, found.recipe):
                click.echo(f"run {run_id} ({found.recipe}): waits, recipe {found.recipe} is paused; it runs "
                           f"when the recipe is resumed (o2c-hub recipes resume {found.recipe} --reason WHY)")
                return PAUSED
        time.sleep(0.2)
    click.echo(f"run {run_id} still in progress; see: o2c-hub runs show {run_id}")
    return None


def _print_outcome(run: Run) -> None:
    line = f"run {run.id} ({run.recipe}): {run.status} after {run.attempt} attempt(s)"
    if run.error_message:
        line += f": {run.error_class}: {run.error_message}"
    if run.status == RunStatus.RETRYING:
        line += f"; next attempt at {run.next_attempt_at.isoformat()} by the running hub"
    if run.status == RunStatus.HELD:
        line += "; it waits for a credit decision (o2c-hub credit held, then credit approve or reject)"
    click.echo(line)


@main.group()
def runs() -> None:
    """Inspect runs."""


@runs.command("list")
@click.option("--status", type=click.Choice([s.value for s in RUN_STATUSES]))
@click.option("--recipe")
@click.option("--limit", type=ROW_ID, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.pass_context
def runs_list(ctx, status, recipe, limit, as_json) -> None:
    """Runs, newest first."""
    from hub.runs.report import run_summary

    hub = _hub(ctx)
    with hub.sessions() as session:
        found = [run_summary(r) for r in list_runs(session, status=status, recipe=recipe, limit=limit)]
    if as_json:
        click.echo(jsonutil.dumps(found, pretty=True))
        return
    click.echo(f"{'ID':>6}  {'RECIPE':<28} {'STATUS':<10} {'TRIES':>5}  {'CREATED':<20} ERROR")
    for r in found:
        click.echo(f"{r['id']:>6}  {r['recipe']:<28} {r['status']:<10} {r['attempt']:>5}  "
                   f"{r['created_at'][:19]:<20} {r['error_message'] or ''}")


@runs.command("show")
@click.argument("run_id", type=ROW_ID)
@click.pass_context
def runs_show(ctx, run_id: int) -> None:
    """One run, with its event and every step of every attempt (JSON)."""
    hub = _hub(ctx)
    with hub.sessions() as session:
        found = session.get(Run, run_id)
        if found is None:
            _fail(f"there is no run {run_id}")
        click.echo(jsonutil.dumps(run_detail(found, hub.redactor), pretty=True))


@main.command()
@click.argument("run_ids", nargs=-1, type=ROW_ID)
@click.option("--dead", "all_dead", is_flag=True,
              help="Replay every dead-lettered run not replayed yet (with --recipe: of that recipe).")
@click.option("--recipe", help="With --dead: only this recipe's runs.")
@click.option("--reason", required=True, help=REASON_HELP)
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Run the replays here and print the outcomes, or only queue them.")
@click.pass_context
def replay(ctx, run_ids: tuple[int, ...], all_dead: bool, recipe: str | None, reason: str, wait: bool) -> None:
    """Run finished runs' events again; effects that already succeeded are not repeated."""
    from hub.runs.replay import dead_run_ids

    why = reason_text(reason)
    hub = _hub(ctx)
    ids = list(run_ids) + (dead_run_ids(hub.sessions, recipe=recipe) if all_dead else [])
    if not ids and all_dead:
        click.echo("no dead-lettered runs to replay")
        return
    if not ids:
        _fail("name the runs to replay, or use --dead")
    hashes = {slug: b.recipe.hash for slug, b in hub.recipes.items()}
    replays = []
    for run_id in ids:
        try:
            replays.append(queue_replay(hub.sessions, run_id, hashes, who=command_line_actor(), reason=why))
        except HubError as exc:
            _fail(str(exc))
        click.echo(f"run {run_id} replayed as run {replays[-1]}")
    if wait:
        _run_all_here(hub, replays)


@main.group(cls=LazyGroup, lazy={"lines": "hub.o2c.cashapp.cli:lines"})
def bank() -> None:
    """Bank statements."""


@bank.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def bank_import(ctx, files: tuple[str, ...]) -> None:
    """Store the transactions of camt.053 or MT940 statement FILES (each once, however often)."""
    from hub.o2c.records import store_records

    bank = ConnectorRegistry.from_entry_points().get("bank")  # found by name, as every connector
    hub = _hub(ctx)
    hub.migrate()
    for name in files:
        try:
            records = bank.import_statement(name)
        except HubError as exc:
            _fail(f"{name}: {exc}")
        with hub.sessions.begin() as session:
            results = store_records(session, "bank_transaction", [(r, None) for r in records])
        new = sum(r.created for r in results)
        audit(hub.sessions, "bank.import", f"bank statement {Path(name).name} imported by {command_line_actor()}: "
              f"{len(records)} transaction(s), {new} new, {len(records) - new} already known")
        click.echo(f"{name}: {len(records)} transaction(s), {new} new, {len(records) - new} already known")


@main.group()
def cursors() -> None:
    """Poll cursors: how far each polling recipe has read."""


@cursors.command("list")
@click.pass_context
def cursors_list(ctx) -> None:
    """Each polling recipe's cursor: where its next poll starts and the last record it saw."""
    hub = _hub(ctx)
    with hub.sessions() as session:
        rows = session.scalars(select(PollCursor).order_by(PollCursor.recipe)).all()
    click.echo(f"{'RECIPE':<28} {'CONNECTION':<14} {'RESOURCE':<16} {'START':<32} {'LAST SEEN AT':<32} LAST ID")
    for r in rows:
        start = r.start_at.isoformat() if r.start_at else "-"
        seen = r.last_seen_at.isoformat() if r.last_seen_at else "-"
        click.echo(f"{r.recipe:<28} {r.connection:<14} {r.resource:<16} {start:<32} {seen:<32} {r.last_seen_id or '-'}")


@cursors.command("reset")
@click.argument("recipe")
@click.option("--to", "to", help="Read from this date (midnight UTC), ISO 8601 date-time with its time zone, "
                                  "or now (default: the source's whole history).")
@click.option("--reason", required=True, help=REASON_HELP)
@click.pass_context
def cursors_reset(ctx, recipe: str, to: str | None, reason: str) -> None:
    """Make RECIPE's poll read again from --to (or from the beginning); a recipe that has
    not polled yet starts there instead of at its trigger's start."""
    why = reason_text(reason)
    hub = _hub(ctx)
    try:
        when = parse_poll_start(to) if to else None
    except ValueError as exc:
        _fail(f"--to: {exc}")
    count = reset_cursor(hub, recipe, datetime.now(timezone.utc) if when == START_NOW else when)
    if not count:
        _fail(f"recipe {recipe!r} is not a polling recipe of this configuration and has no poll cursor")
    audit(hub.sessions, "cursor.reset", f"poll cursor(s) of {recipe} reset to {to or 'the beginning'} "
          f"by {command_line_actor()}; reason: {why}")
    click.echo(f"reset {count} cursor(s) of {recipe} to {to or 'the beginning'}")



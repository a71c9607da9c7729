"""``o2c-hub recipes list | pause RECIPE --reason R | resume RECIPE --reason R``.

A paused recipe's webhooks are still stored and its runs queued, but nothing runs and its polls
and schedules do not fire until it is resumed (see hub.runs.pauses). Both are audited.
"""

from __future__ import annotations


import click

from hub.cli_common import REASON_HELP, command_line_actor, fail, hub_from, reason_text
from hub.runs.pauses import pause_recipe, paused_recipes, resume_recipe, waiting_runs


@click.group()
def recipes() -> None:
    """The loaded recipes; pause and resume them."""


@recipes.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Each loaded recipe, whether it is paused, and how many of its runs wait."""
    hub = hub_from(ctx)
    paused = paused_recipes(hub.sessions)
    click.echo(f"{'RECIPE':<32} {'STATE':<8} {'WAITING':>7}  PAUSED BY")
    for slug in sorted(hub.recipes):
        pause = paused.get(slug)
        state, by = ("paused", f"{pause.paused_by}: {pause.reason}") if pause else ("active", "")
        click.echo(f"{slug:<32} {state:<8} {waiting_runs(hub.sessions, slug):>7}  {by}")


@recipes.command("pause")
@click.argument("recipe")
@click.option("--reason", required=True, help=REASON_HELP)
@click.pass_context
def pause(ctx: click.Context, recipe: str, reason: str) -> None:
    """Stop running RECIPE: webhooks are still stored, their runs wait until it is resumed."""
    hub = hub_from(ctx)
    _loaded(hub, recipe)
    done = pause_recipe(hub.sessions, recipe, who=command_line_actor(), reason=reason_text(reason))
    click.echo(f"recipe {recipe} paused" if done else f"recipe {recipe} was already paused")


@recipes.command("resume")
@click.argument("recipe")
@click.option("--reason", required=True, help=REASON_HELP)
@click.pass_context
def resume(ctx: click.Context, recipe: str, reason: str) -> None:
    """Run RECIPE again: the running hub takes its waiting runs within a second."""
    hub = hub_from(ctx)
    _loaded(hub, recipe)
    done = resume_recipe(hub.sessions, recipe, who=command_line_actor(), reason=reason_text(reason))
    if done:
        click.echo(f"recipe {recipe} resumed; {waiting_runs(hub.sessions, recipe)} run(s) waiting will run")
    else:
        click.echo(f"recipe {recipe} was not paused")


def _loaded(hub, recipe: str) -> None:
    if recipe not in hub.recipes:
        fail(f"no recipe {recipe!r} is loaded (loaded: {', '.join(sorted(hub.recipes)) or 'none'})")


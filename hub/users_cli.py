"""``o2c-hub users add NAME --role R | list | remove NAME``: who may log in to the web console.

    o2c-hub users add alice --role admin        the password is asked twice
    echo "$PW" | o2c-hub users add ci --role viewer --password-stdin
    o2c-hub users list
    o2c-hub users remove alice

Roles: admin (everything), ar (O2C worklists, reads runs), viewer (reads only).
"""

from __future__ import annotations

import sys

import click

from hub.cli_common import command_line_actor, fail, hub_from
from hub.users import MIN_PASSWORD, ROLES, UserError, add_user, list_users, remove_user


@click.group()
def users() -> None:
    """Web console users and their roles."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.pass_context
def add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Add user NAME with a role; the password is asked twice (at least 12 characters)."""
    password = _read_password(password_stdin)
    hub = hub_from(ctx)
    try:
        add_user(hub.sessions, name, role, password, who=command_line_actor())
    except UserError as exc:
        fail(str(exc))
    click.echo(f"user {name} added with role {role}")



def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = click.prompt(f"Password for the new user (at least {MIN_PASSWORD} characters)",
                            hide_input=True, confirmation_prompt="Repeat the password")
    return password


@users.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Every user with their role."""
    found = list_users(hub_from(ctx).sessions)
    if not found:
        click.echo("no users yet: add one with o2c-hub users add NAME --role admin")
    for user in found:
        click.echo(f"{user.name}\t{user.role}")


@users.command("remove")
@click.argument("name")
@click.pass_context
def remove(ctx: click.Context, name: str) -> None:
    """Remove user NAME (their console session ends with their next click)."""
    try:
        remove_user(hub_from(ctx).sessions, name, who=command_line_actor())
    except UserError as exc:
        fail(str(exc))
    click.echo(f"user {name} removed")

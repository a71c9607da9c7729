"""``o2c-hub users add NAME --role R | list | remove NAME | hash``: who may log in to the web console.

    o2c-hub users add alice --role admin --reason "new AR lead"     the password is asked twice
    echo "$PW" | o2c-hub users add ci --role viewer --password-stdin --reason "smoke tests"
    o2c-hub users list
    o2c-hub users remove alice --reason "left the company"
    o2c-hub users hash                       a password hash for the config file's console.users

Roles: admin (everything), ar (O2C worklists, reads runs), viewer (reads only). Users of the
config file (console.users) are listed here but changed only in the file (see hub.users).
"""

from __future__ import annotations

import sys

import click

from hub.cli_common import REASON_HELP, command_line_actor, fail, hub_from, reason_text
from hub.errors import UserError
from hub.users import (MIN_PASSWORD, ROLES, add_user, hash_password, list_users, refuse_config_user,
                       remove_user)


@click.group()
def users() -> None:
    """Web console users and their roles."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do.")
@click.option("--reason", required=True, help=REASON_HELP)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.pass_context
def add(ctx: click.Context, name: str, role: str, reason: str, password_stdin: bool) -> None:
    """Add user NAME with a role; the password is asked twice (at least 12 characters)."""
    why = reason_text(reason)
    password = _read_password(password_stdin, "Password for the new user")
    hub = hub_from(ctx)
    try:
        refuse_config_user(name, hub.settings.console_users)
        add_user(hub.sessions, name, role, password, who=command_line_actor(), reason=why)
    except UserError as exc:
        fail(str(exc))
    click.echo(f"user {name} added with role {role}")


def _read_password(from_stdin: bool, prompt: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    # the prompts go to standard error, so `o2c-hub users hash > file` keeps only the hash
    return click.prompt(f"{prompt} (at least {MIN_PASSWORD} characters)", hide_input=True,
                        confirmation_prompt="Repeat the password", err=True)


@users.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Every user with their role, and where it comes from (database or config file)."""
    hub = hub_from(ctx)
    found = list_users(hub.sessions, hub.settings.console_users)
    if not found:
        click.echo("no users yet: add one with o2c-hub users add NAME --role admin --reason WHY")
    for user in found:
        click.echo(f"{user.name}\t{user.role}" + ("\t(config file)" if user.origin == "config" else ""))


@users.command("remove")
@click.argument("name")
@click.option("--reason", required=True, help=REASON_HELP)
@click.pass_context
def remove(ctx: click.Context, name: str, reason: str) -> None:
    """Remove user NAME (their console session ends with their next click)."""
    why = reason_text(reason)
    hub = hub_from(ctx)
    try:
        refuse_config_user(name, hub.settings.console_users)
        remove_user(hub.sessions, name, who=command_line_actor(), reason=why)
    except UserError as exc:
        fail(str(exc))
    click.echo(f"user {name} removed")


@users.command("hash")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def hash_command(password_stdin: bool) -> None:
    """Print the hash of a password (asked twice), for a user of the config file's console.users.
    Nothing is stored, and the config file is not read."""
    password = _read_password(password_stdin, "Password to hash")
    try:
        click.echo(hash_password(password))
    except UserError as exc:
        fail(str(exc))

"""Who is logged in, and what they may do.

The session holds only the user's id; the user (and so their role) is read from the database
on every request, so removing a user ends their session at their next click.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from hub.users import User, get_user
from hub.web.context import current_hub


def current_user() -> User | None:
    if "console_user" not in g:
        user_id = session.get("uid")
        g.console_user = get_user(current_hub().sessions, user_id) if isinstance(user_id, int) else None
        if user_id is not None and g.console_user is None:
            session.clear()
    return g.console_user


def require_login():
    """Send anyone not logged in to the login page (a GET comes back here afterwards)."""
    if current_user() is None:
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("console_auth.login", next=target))
    return None


def requires(permission: str):
    """A view only users whose role has ``permission`` may use (others get 403)."""
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            user = current_user()
            if user is None or not user.can(permission):
                abort(403, f"your role ({user.role if user else 'none'}) may not do this; "
                           "ask an admin")
            return view(*args, **kwargs)
        return checked
    return decorate


def actor() -> str:
    """The logged-in user as the audit log names them."""
    user = current_user()
    return f"{user.name} ({user.role}) in the console"

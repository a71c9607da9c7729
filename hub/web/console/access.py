"""Who is logged in, and what they may do.

The session holds only a reference to the user (see hub.users.User.session_ref); the user, and
so their role, is read again on every request (from the database, or from the config file as
the hub read it at start), so removing a user ends their session at their next click.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from hub.users import User, user_by_session_ref
from hub.web.context import current_hub

SESSION_KEY = "user"  # the user's session_ref


def current_user() -> User | None:
    if "console_user" not in g:
        ref = session.get(SESSION_KEY)
        hub = current_hub()
        g.console_user = (user_by_session_ref(hub.sessions, hub.settings.console_users, ref)
                          if isinstance(ref, str) else None)
        if ref is not None and g.console_user is None:
            session.clear()
    return g.console_user


def log_in(user: User) -> None:
    """Start a new session for ``user``: nothing from before carries over."""
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = user.session_ref


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

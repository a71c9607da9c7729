"""The audit log in the console: every human action and every tally of rejected webhooks,
newest first, with who did it, to what, why and from which address.

    GET /console/audit/    ?kind=&who=&since=&until=&q=&before_id=

``kind`` is one kind (``credit.approve``) or, ending with a dot, every kind it starts
(``credit.``); ``who`` a user name (``alice``, or who the command line or API names, such as
``admin API``); ``since``/``until`` UTC days, both included; ``q`` text in the line. Pages
hold :data:`PAGE` lines, older ones by ``before_id``. Admin and ar may read it; a viewer may
not (the log names people, their addresses and every failed login).

The writers keep each line as one sentence (``run 12 replayed by alice (admin) in the
console; reason: ...``). :data:`SHAPES` reads the sentence of each kind back into what, who
and why; a line no shape reads is shown as written.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

from flask import abort, render_template, request, url_for
from sqlalchemy import or_, select

from hub.runs.rejections import KIND as WEBHOOK_REJECTED
from hub.store.platform import AuditEntry
from hub.users import list_users
from hub.web.console.access import requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import query_date, query_int

bp = console_blueprint("console_audit", "/console/audit")
NAV = NavItem(label="Audit log", endpoint="console_audit.index", permission="worklist")
PAGE = 50
MAX_QUERY = 200
MAX_WHO = 200
_KIND = re.compile(r"^[a-z0-9_.-]{1,60}$")

#: The kinds the hub writes, as people read them (offered in the kind filter).
KINDS = {
    "replay": "Replay", "replay.bulk": "Bulk replay", "resubmit": "Edited and resubmitted",
    "cursor.reset": "Poll cursor reset", "recipe.pause": "Recipe paused", "recipe.resume": "Recipe resumed",
    "credit.approve": "Credit hold approved", "credit.reject": "Credit hold rejected",
    "cashapp.accept": "Cash application accepted", "cashapp.reject": "Cash application rejected",
    "collections.dispute": "Dispute", "collections.promise": "Promise to pay",
    "users.add": "User added", "users.remove": "User removed",
    "users.config": "Users of the config file", "console.login": "Login",
    "console.logout": "Logout", "console.login_failed": "Failed login", "erasure": "Personal data erased",
    WEBHOOK_REJECTED: "Rejected webhooks",
}
_BY = r" by (?P<who>.+?)"
_WHY = r"; reason: (?P<why>.*)"
_PERSON = r"(?P<who>[^ ]+ \([a-z]+\) in the console|the command line(?: \(system user [^)]*\))?)"
#: How each kind's sentence reads: ``what`` (with the targets ``run``, ``new_run``, ``order``,
#: ``recipe`` inside it), ``who`` and ``why``.
SHAPES = {kind: re.compile(pattern, re.DOTALL) for kind, pattern in {
    "replay": r"(?P<what>(?P<run>run \d+) replayed)" + _BY + r"(?:(?P<bulk>; bulk replay \w+))?(?:" + _WHY + ")?",
    "resubmit": r"(?P<what>(?P<run>run \d+) resubmitted with an edited payload as event \d+ "
                r"\((?P<new_run>run \d+)\))" + _BY + _WHY,
    "replay.bulk": r"(?P<what>bulk replay \w+ of \d+ dead run\(s\) \(.*?\)) started" + _BY + _WHY,
    "cursor.reset": r"(?P<what>poll cursor\(s\) of (?P<recipe>\S+) reset to .*?)" + _BY + _WHY,
    "recipe.pause": r"(?P<what>recipe (?P<recipe>\S+) paused)" + _BY + _WHY,
    "recipe.resume": r"(?P<what>recipe (?P<recipe>\S+) resumed)" + _BY + _WHY,
    "credit.approve": r"(?P<what>order (?P<order>.+?) approved)" + _BY + _WHY,
    "credit.reject": r"(?P<what>order (?P<order>.+?) rejected)" + _BY + _WHY,
    "cashapp.accept": r"(?P<what>cash application proposal \d+ \(.*?\) accepted)" + _BY
                      + r"(?P<outcome>: applied .*?)(?:" + _WHY + ")?",
    "cashapp.reject": r"(?P<what>cash application proposal \d+ \(.*?\) rejected)" + _BY + _WHY,
    "collections.dispute": r"(?P<what>invoice .+?: dispute (?:closed|opened))(?:" + _WHY + ")? by " + _PERSON,
    "collections.promise": r"(?P<what>invoice .+?: promise to pay .*?), recorded" + _BY,
    "users.add": r"(?P<what>user \S+ \(\w+\) added)" + _BY + "(?:" + _WHY + ")?",
    "users.remove": r"(?P<what>user \S+ \(\w+\) removed)" + _BY + "(?:" + _WHY + ")?",
    "users.config": r"(?P<what>console users of the config file at start: .*)",
    "erasure": r"(?P<what>personal data of customer .+? erased: .*?); by (?P<who>.+?)" + _WHY,
    "console.login": r"user (?P<who>\S+) (?P<what>logged in)",
    "console.logout": r"user (?P<who>\S+) (?P<what>logged out)",
    "console.login_failed": r"(?P<what>failed login) as (?P<who>.+)",
}.items()}


@bp.get("/")
@requires("worklist")
def index():
    filters = _filters()
    before_id = query_int("before_id", None)
    query = select(AuditEntry).where(*_conditions(filters)).order_by(AuditEntry.id.desc()).limit(PAGE + 1)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    hub = current_hub()
    with hub.sessions() as session:
        found = session.scalars(query).all()
    entries = [entry_view(e, set(hub.recipes)) for e in found[:PAGE]]
    older = entries[-1]["id"] if len(found) > PAGE else None
    return render_template("console/audit/index.html", entries=entries, filters=filters, older=older,
                           paged=before_id is not None, kinds=KINDS, prefixes=_prefixes(),
                           users=sorted({u.name for u in list_users(hub.sessions, hub.settings.console_users)}))


def _filters() -> dict:
    kind = (request.args.get("kind") or "").strip()
    if kind and not _KIND.match(kind):
        abort(400, f"kind must be a kind such as credit.approve, or the start of one ending with a dot "
                   f"such as credit. (letters, digits, '.', '_' and '-'), not {kind[:60]!r}")
    who, q = (request.args.get("who") or "").strip(), (request.args.get("q") or "").strip()
    if len(who) > MAX_WHO:
        abort(400, f"the name in 'who' is longer than {MAX_WHO} characters")
    if len(q) > MAX_QUERY:
        abort(400, f"the search text is longer than {MAX_QUERY} characters")
    since, until = query_date("since"), query_date("until")
    if since and until and until < since:
        abort(400, f"the day range ends ({until}) before it starts ({since})")
    return {"kind": kind or None, "who": who or None, "since": since, "until": until, "q": q or None}


def _conditions(filters: dict) -> tuple:
    conditions = []
    if filters["kind"]:
        kind = filters["kind"]
        conditions.append(AuditEntry.kind.like(_escaped(kind) + "%", escape="\\") if kind.endswith(".")
                          else AuditEntry.kind == kind)
    if filters["since"]:
        conditions.append(AuditEntry.at >= datetime.combine(filters["since"], time(), timezone.utc))
    if filters["until"]:
        conditions.append(AuditEntry.at < datetime.combine(filters["until"], time(), timezone.utc) + timedelta(days=1))
    if filters["who"]:
        conditions.append(_done_by(filters["who"]))
    if filters["q"]:
        pattern = f"%{_escaped(filters['q'])}%"
        conditions.append(or_(AuditEntry.detail.like(pattern, escape="\\"),
                              AuditEntry.connection.like(pattern, escape="\\")))
    return tuple(conditions)


def _done_by(who: str):
    """Lines whose actor is ``who``: a console user (``by alice (admin) in the console``), the
    command line's system user, or a name as written (``by admin API``); their own logins."""
    name = _escaped(who)
    patterns = (f"% by {name} (%", f"% by {name}", f"% by {name};%", f"% by {name}:%",
                f"%(system user {name})%")
    own = (f"user {who} logged in", f"user {who} logged out", f"failed login as {who}")
    return or_(*(AuditEntry.detail.like(p, escape="\\") for p in patterns), AuditEntry.detail.in_(own))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefixes() -> list[str]:
    return sorted({kind.split(".")[0] + "." for kind in KINDS if "." in kind})


def entry_view(entry: AuditEntry, recipes: set[str]) -> dict:
    """One audit line as the page shows it: what (with links to its targets), who, why."""
    view = {"id": entry.id, "at": _when(entry.at), "kind": entry.kind, "label": KINDS.get(entry.kind, entry.kind),
            "remote_addr": entry.remote_addr, "connection": entry.connection, "count": entry.count,
            "first_at": _when(entry.first_at), "who": None, "why": None, "note": None,
            "what": [(entry.detail, None)]}
    if entry.kind == WEBHOOK_REJECTED:
        deliveries = "delivery" if entry.count == 1 else "deliveries"
        view.update(what=[(f"{entry.count} webhook {deliveries} to connection {entry.connection} refused", None)],
                    why=entry.detail, who="the sender (not logged in)")
        return view
    shape = SHAPES.get(entry.kind)
    found = shape.fullmatch(entry.detail) if shape else None
    if found:
        parts = found.groupdict()
        view.update(who=parts.get("who"), why=parts.get("why"), what=_linked(found, recipes),
                    note=(parts.get("bulk") or parts.get("outcome") or "").lstrip(";: ") or None)
    return view


def _linked(found: re.Match, recipes: set[str]) -> list[tuple[str, str | None]]:
    """The ``what`` of a line cut into text and links to the pages of its targets."""
    start, end = found.span("what")
    targets = []
    for name, value in found.groupdict().items():
        url = _target_url(name, value, recipes) if value is not None else None
        if url and start <= found.start(name) and found.end(name) <= end:
            targets.append((found.start(name), found.end(name), url))
    parts, at = [], start
    for left, right, url in sorted(targets):
        parts += [(found.string[at:left], None), (found.string[left:right], url)]
        at = right
    return [*parts, (found.string[at:end], None)]


def _target_url(name: str, value: str, recipes: set[str]) -> str | None:
    if name in ("run", "new_run"):
        return url_for("console_runs.show", run_id=int(value.split()[-1]))
    if name == "order":
        return url_for("console_orders.index", ref=value)
    if name == "recipe" and value in recipes:
        return url_for("console_recipes.show", slug=value)
    return None


def _when(at: datetime | None) -> str | None:
    return f"{at:%Y-%m-%d %H:%M:%S}" if at else None

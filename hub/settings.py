"""The hub's configuration file: read, validated (file:line:col, all problems at once),
``${ENV_VAR}`` secrets substituted (or read from the file ``ENV_VAR_FILE`` names, the
container-secrets convention), and every connection built from its connector.

Every secret is known by its config key (``admin/token``, ``connections/shop/webhook/secret``,
``console/secret_key``, ``console/users/0/password_hash``): :func:`demo_secrets` lists those
still holding a value published in hub/starter/config.yaml, which ``o2c-hub run`` refuses, as
it refuses an admin token shorter than :data:`MIN_ADMIN_TOKEN` and a console key shorter than
:data:`MIN_CONSOLE_KEY`.

The reference for every key is hub/schemas/config.schema.json; hub/starter/config.yaml shows them all.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hub import SCHEMAS, STARTER
from hub.connector import Connector
from hub.errors import ConfigError, Issue
from hub.o2c.cashapp.policy import Policy, policy_from_config
from hub.recipe.model import RETENTION_KINDS, Retention
from hub.redact import secret_fields, url_secrets
from hub.registry import ConnectorRegistry
from hub.users import NAME, PASSWORD_HASH, ConfigUser
from hub.yamldoc import Document, load_document, schema_issues, sort_issues

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_ADMIN_TOKEN = 24  # characters; `openssl rand -hex 32` gives 64
MIN_CONSOLE_KEY = 32  # characters of the console's session signing key


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretField:
    """One secret of the configuration: its key, its value and the variables it is read from."""

    key: str  # e.g. connections/shop/webhook/secret
    value: str = field(repr=False)
    variables: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the hub process needs to know, resolved and checked."""

    path: Path
    database_url: str = field(repr=False)  # may hold a password
    host: str
    port: int
    threads: int
    workers: int
    worker_processes: int
    public_url: str
    admin_token: str | None = field(repr=False)
    recipe_globs: tuple[str, ...]
    shutdown_grace: timedelta
    log_level: str
    log_format: str = "text"
    connections: Mapping[str, Connector] = field(default_factory=dict)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    secret_fields: tuple[SecretField, ...] = ()
    retention: Retention = field(default_factory=Retention)
    metrics_auth: str = "token"  # GET /metrics: "token" (the admin token) or "none"
    console_secret_key: str | None = field(default=None, repr=False)  # None: kept in the database
    console_users: tuple[ConfigUser, ...] = ()
    cash_application: Policy = field(default_factory=Policy)  # the config's cash_application: section

    def recipe_paths(self) -> list[Path]:
        """Every recipe file the globs name, sorted; a relative glob is relative to the config file."""
        base = self.path.parent
        found = {Path(os.path.normpath(base / p))  # one name per file: site/../shared/x.yaml is shared/x.yaml
                 for g in self.recipe_globs for p in glob.glob(g, root_dir=base, recursive=True)}
        return sorted(p for p in found if p.is_file())


@cache
def config_schema() -> dict[str, Any]:
    return json.loads((SCHEMAS / "config.schema.json").read_text())


def load_settings(path: str | Path, registry: ConnectorRegistry,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Read the config file at ``path``; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    doc = load_document(text, str(path))
    issues = list(doc.issues)
    env = _Environment(os.environ if environ is None else environ)
    data = _substitute(doc, doc.data, (), env, issues)
    if not isinstance(data, Mapping):
        raise ConfigError([doc.issue((), "the config file must be a mapping of keys")])
    issues += schema_issues(data, config_schema(), doc, doc.file)
    connections, secrets = _connections(doc, data.get("connections") or {}, registry, issues)
    console_users = _console_users(doc, data.get("console"), issues)
    cash_policy = _cash_application(doc, data.get("cash_application"), issues)
    if issues:
        raise ConfigError(sort_issues(issues))
    secrets += _console_secrets(data.get("console") or {})
    settings = replace(_settings(path, data, connections, [value for _, value in secrets]),
                       console_users=console_users, cash_application=cash_policy)
    return _with_secret_fields(settings, secrets, env)


def _settings(path: Path, data: Mapping[str, Any], connections: dict[str, Connector],
              secrets: list[str]) -> Settings:
    server = data.get("server") or {}
    host, port = server.get("host", "127.0.0.1"), int(server.get("port", 8080))
    admin_token = (data.get("admin") or {}).get("token") or None
    return Settings(
        path=path.resolve(),
        database_url=_database_url(data.get("database", "sqlite:///o2c-hub.db"), path),
        host=host,
        port=port,
        threads=int(server.get("threads", 8)),
        workers=int(data.get("workers", 4)),
        worker_processes=int(data.get("worker_processes", 0)),
        public_url=str(data.get("public_url") or f"http://{host}:{port}").rstrip("/"),
        admin_token=admin_token,
        recipe_globs=tuple(data.get("recipes") or ("recipes/*.yaml",)),
        shutdown_grace=parse_duration(data.get("shutdown_grace", "30s")),
        retention=_retention(data.get("retention") or {}),
        metrics_auth=str((data.get("metrics") or {}).get("auth", "token")),
        console_secret_key=(data.get("console") or {}).get("secret_key"),
        log_level=str(data.get("log_level", "INFO")).upper(),
        log_format=str(data.get("log_format", "text")),
        connections=MappingProxyType(connections),
        secrets=tuple(secrets + ([admin_token] if admin_token else [])),
    )


def _database_url(url: str, config_path: Path) -> str:
    """A relative SQLite path is relative to the config file, not to the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((config_path.parent / url[len(prefix):]).resolve())
    return url


def _with_secret_fields(settings: Settings, found: list[tuple[tuple, str]],
                       env: _Environment) -> Settings:
    """``settings`` knowing every secret by key, plus the database password and file values."""
    if settings.admin_token:
        found = [(("admin", "token"), settings.admin_token), *found]
    found += [(("database",), value) for value in url_secrets(settings.database_url)]
    fields = tuple(SecretField(key="/".join(map(str, path)), value=value,
                               variables=tuple(env.names.get(path, ())))
                   for path, value in found)
    secrets = dict.fromkeys([*settings.secrets, *(f.value for f in fields), *env.from_files])
    return replace(settings, secrets=tuple(secrets), secret_fields=fields)


@cache
def published_defaults() -> frozenset[str]:
    """Every ``${VAR:-default}`` default in hub/starter/config.yaml: values anyone can read."""
    text = (STARTER / "config.yaml").read_text()
    strings = _strings(load_document(text, "config.yaml").data)
    return frozenset(d for s in strings for _, d in _ENV_REF.findall(s) if d)


def demo_secrets(settings: Settings) -> list[SecretField]:
    """The secrets of ``settings`` that still hold a value published in the starter config."""
    published = published_defaults()
    return [f for f in settings.secret_fields if f.value in published]


def demo_secrets_message(settings: Settings) -> str | None:
    """One line refusing the published demo secrets of ``settings`` (None when it has none)."""
    found = demo_secrets(settings)
    if not found:
        return None
    where = ", ".join(
        f"{f.key} (set {' and '.join(f.variables)})" if f.variables else f"{f.key} (written in the file)"
        for f in found)
    return (f"{settings.path}: refusing to start with the demo secrets published in the starter "
            f"config: {where}. Give each a secret of your own (or a file holding it in <VARIABLE>_FILE); "
            "only `o2c-hub demo` runs with them.")


def empty_secrets_message(settings: Settings) -> str | None:
    """One line refusing secrets that are empty (an unset variable, an empty ``*_FILE``): an empty
    webhook secret would accept any sender's signature. None when there is none."""
    empty = [f for f in settings.secret_fields if not f.value.strip()]
    if not empty:
        return None
    where = ", ".join(f"{f.key} (set {' or '.join(f.variables)})" if f.variables else f.key for f in empty)
    return f"{settings.path}: refusing to start with empty secrets: {where}"


def weak_admin_token_message(settings: Settings) -> str | None:
    """One line refusing an admin token shorter than :data:`MIN_ADMIN_TOKEN` (None when it is
    long enough, or absent: no token disables the admin API)."""
    token = settings.admin_token or ""
    if not token or len(token) >= MIN_ADMIN_TOKEN:
        return None
    return (f"{settings.path}: admin/token is {len(token)} character{'s' if len(token) > 1 else ''}; "
            f"use at least {MIN_ADMIN_TOKEN}, e.g. openssl rand -hex 32")


def weak_console_key_message(settings: Settings) -> str | None:
    """One line refusing a console.secret_key shorter than :data:`MIN_CONSOLE_KEY` (None when it
    is long enough, or absent: the key is then generated and kept in the database)."""
    key = settings.console_secret_key
    if key is None or len(key) >= MIN_CONSOLE_KEY:
        return None
    return (f"{settings.path}: console/secret_key is {len(key)} character{'s' if len(key) != 1 else ''}; "
            f"use at least {MIN_CONSOLE_KEY}, e.g. openssl rand -hex 32")


def _console_users(doc: Document, console: Any, issues: list[Issue]) -> tuple[ConfigUser, ...]:
    """``console.users`` as ConfigUsers. The schema has checked the shape; here each name must be
    given once and each hash be one ``o2c-hub users hash`` makes. The messages never repeat the
    value: someone may have written a password where its hash belongs."""
    entries = console.get("users") if isinstance(console, Mapping) else None
    found: dict[str, ConfigUser] = {}
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping) or not {"name", "role", "password_hash"} <= entry.keys():
            continue  # the config schema has reported it
        name, where = str(entry["name"]), ("console", "users", i)
        if not PASSWORD_HASH.match(str(entry["password_hash"])):
            issues.append(doc.issue((*where, "password_hash"), "is not a password hash: write the line "
                                    "`o2c-hub users hash` prints (scrypt:...), never the password itself"))
        elif name in found:
            issues.append(doc.issue((*where, "name"), f"user {name!r} is listed twice"))
        elif NAME.match(name):
            found[name] = ConfigUser(name=name, role=str(entry["role"]), password_hash=str(entry["password_hash"]))
    return tuple(found.values())


def _cash_application(doc: Document, section: Any, issues: list[Issue]) -> Policy:
    """``cash_application:`` as the matcher's Policy; the schema has checked each key, here the
    keys are checked against each other."""
    if not isinstance(section, Mapping) or any(i.path.startswith("cash_application") for i in issues):
        return Policy()
    policy, problems = policy_from_config(section)
    issues.extend(doc.issue(path, message) for path, message in problems)
    return policy


def _console_secrets(console: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """(config path, value) of the console's secrets: its signing key and the password hashes."""
    found: list[tuple[tuple, str]] = []
    if "secret_key" in console:
        found.append((("console", "secret_key"), str(console["secret_key"])))
    for i, entry in enumerate(console.get("users") or []):
        found.append((("console", "users", i, "password_hash"), str(entry["password_hash"])))
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _connections(doc: Document, raw: Mapping[str, Any], registry: ConnectorRegistry,
                 issues: list[Issue]) -> tuple[dict[str, Connector], list[tuple[tuple, str]]]:
    built: dict[str, Connector] = {}
    secrets: list[tuple[tuple, str]] = []
    if not isinstance(raw, Mapping):
        return built, secrets
    for name, spec in raw.items():
        where = ("connections", name)
        if not isinstance(spec, Mapping) or "connector" not in spec:
            continue  # the config schema has reported it
        try:
            kind = registry.get(str(spec["connector"]))
        except LookupError as exc:
            issues.append(doc.issue((*where, "connector"), str(exc.args[0])))
            continue
        body = {k: v for k, v in spec.items() if k != "connector"}
        found = schema_issues(body, kind.config_schema, _Prefixed(doc, where), doc.file)
        issues += [_prefix_path(i, where) for i in found]
        if not found:
            built[name] = kind.from_config(name, body)
            secrets += secret_fields(body, kind.config_schema, where)
    return built, secrets


class _Prefixed:
    """A locator for a sub-document (one connection's body)."""

    def __init__(self, doc: Document, prefix: tuple):
        self.doc, self.prefix = doc, prefix

    def locate(self, path):
        return self.doc.locate((*self.prefix, *path))

    def locate_key(self, path):
        return self.doc.locate_key((*self.prefix, *path))


def _prefix_path(issue: Issue, prefix: tuple) -> Issue:
    path = "/".join(str(p) for p in prefix) + ("/" + issue.path if issue.path else "")
    return Issue(file=issue.file, line=issue.line, col=issue.col, path=path,
                 message=issue.message)


class _Environment:
    """Where ``${VAR}`` comes from: the variable, else the file ``VAR_FILE`` names, else the
    default. Remembers the variables each config key names and every value read from a file
    (all secrets: nobody keeps a URL in a secrets file)."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.names: dict[tuple, list[str]] = {}
        self.from_files: list[str] = []

    def value(self, path: tuple, name: str, default: str | None) -> str:
        """The value of ``name`` for the key at ``path``; LookupError says why there is none."""
        self.names.setdefault(path, []).append(name)
        if name in self.environ:
            return self.environ[name]
        if f"{name}_FILE" in self.environ:
            return self._read(f"{name}_FILE")
        if default is not None:
            return default
        raise LookupError(f"environment variable {name} is not set")

    def _read(self, variable: str) -> str:
        file = self.environ[variable]
        try:
            value = Path(file).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise LookupError(f"environment variable {variable} names {file}, which cannot be read: {why}") from None
        self.from_files.append(value)
        return value


def _substitute(doc: Document, value: Any, path: tuple, env: _Environment,
                issues: list[Issue]) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string with the environment's value."""
    if isinstance(value, Mapping):
        return {k: _substitute(doc, v, (*path, k), env, issues) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(doc, v, (*path, i), env, issues) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def one(match: re.Match) -> str:
        try:
            return env.value(path, match.group(1), match.group(2))
        except LookupError as exc:
            issues.append(doc.issue(path, str(exc.args[0])))
            return ""

    return _ENV_REF.sub(one, value)


def _retention(spec: Mapping[str, Any]) -> Retention:
    """``retention:`` of the config file over the defaults (``never``: kept for ever)."""
    values: dict[str, Any] = {k: None if v == "never" else parse_duration(v)
                              for k, v in spec.items() if k in RETENTION_KINDS}
    if "batch_size" in spec:
        values["batch_size"] = int(spec["batch_size"])
    if "every" in spec:
        values["every"] = parse_duration(spec["every"])
    return Retention(**values)


def parse_duration(value: Any) -> timedelta:
    """``"500ms"``, ``"30s"``, ``"5m"``, ``"1h"``, ``"2d"`` or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a duration (use e.g. 500ms, 30s, 5m, 1h, 2d)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])

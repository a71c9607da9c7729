"""The hub's configuration file: read, validated (file:line:col, all problems at once),
``${ENV_VAR}`` secrets substituted, and every connection built from its connector.

The reference for every key is hub/schemas/config.schema.json; hub/starter/config.yaml shows them all.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from connectors.base import Connector
from hub import SCHEMAS
from hub.errors import ConfigError, Issue
from hub.redact import secret_values
from hub.registry import ConnectorRegistry
from hub.yamldoc import Document, load_document, schema_issues, sort_issues

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the hub process needs to know, resolved and checked."""

    path: Path
    database_url: str
    host: str
    port: int
    threads: int
    workers: int
    worker_processes: int
    public_url: str
    admin_token: str | None
    recipe_globs: tuple[str, ...]
    shutdown_grace: timedelta
    log_level: str
    connections: Mapping[str, Connector] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()

    def recipe_paths(self) -> list[Path]:
        """Every recipe file the globs name, relative to the config file, sorted."""
        base = self.path.parent
        found = {p for g in self.recipe_globs for p in base.glob(g) if p.is_file()}
        return sorted(found)


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
    data = _substitute(doc, doc.data, (), os.environ if environ is None else environ, issues)
    if not isinstance(data, Mapping):
        raise ConfigError([doc.issue((), "the config file must be a mapping of keys")])
    issues += schema_issues(data, config_schema(), doc, doc.file)
    connections, secrets = _connections(doc, data.get("connections") or {}, registry, issues)
    if issues:
        raise ConfigError(sort_issues(issues))
    return _settings(path, data, connections, secrets)


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
        log_level=str(data.get("log_level", "INFO")).upper(),
        connections=MappingProxyType(connections),
        secrets=tuple(secrets + ([admin_token] if admin_token else [])),
    )


def _database_url(url: str, config_path: Path) -> str:
    """A relative SQLite path is relative to the config file, not to the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((config_path.parent / url[len(prefix):]).resolve())
    return url


def _connections(doc: Document, raw: Mapping[str, Any], registry: ConnectorRegistry,
                 issues: list[Issue]) -> tuple[dict[str, Connector], list[str]]:
    built: dict[str, Connector] = {}
    secrets: list[str] = []
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
            secrets += secret_values(body, kind.config_schema)
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


def _substitute(doc: Document, value: Any, path: tuple, environ: Mapping[str, str],
                issues: list[Issue]) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string with the environment's value."""
    if isinstance(value, Mapping):
        return {k: _substitute(doc, v, (*path, k), environ, issues) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(doc, v, (*path, i), environ, issues) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def one(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        issues.append(doc.issue(path, f"environment variable {name} is not set"))
        return ""

    return _ENV_REF.sub(one, value)


def parse_duration(value: Any) -> timedelta:
    """``"500ms"``, ``"30s"``, ``"5m"``, ``"1h"``, ``"2d"`` or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a duration (use e.g. 500ms, 30s, 5m, 1h, 2d)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])

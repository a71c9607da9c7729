"""A validated recipe as frozen values (see hub/schemas/recipe.schema.json for the YAML form).

Triggers, retry and retention are parsed here; each step is kept as written (``StepSpec``: its
kind, its body, the place it is written), for its kind to build (hub/recipe/build.py). Nothing
here refers to connectors or canonical schemas by object: names are resolved at build.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Literal

_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)$")
_UNITS = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: int | str) -> timedelta:
    """``"500ms"``, ``"30s"``, ``"5m"``, ``"1h"``, ``"2d"`` or whole seconds -> timedelta."""
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value).strip())
    if match is None:
        raise ValueError(f"{value!r} is not a duration (e.g. 30s, 5m, 1h)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


#: A poll trigger's ``start: now``: from the moment the recipe was first loaded.
START_NOW = "now"

PollStart = datetime | Literal["now"] | None


def parse_poll_start(text: str) -> datetime | Literal["now"]:
    """``"now"``, a date (``"2026-12-01"``, midnight UTC) or an ISO 8601 date-time with its
    time zone -> ``"now"`` or an aware datetime; ValueError says what is wrong."""
    text = text.strip()
    if text == START_NOW:
        return START_NOW
    if len(text) == 10:
        try:
            return datetime.combine(date.fromisoformat(text), time(), timezone.utc)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a date: {exc}") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        reason = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"
        raise ValueError(f"{text!r} is not an ISO 8601 date-time{reason}: write e.g. "
                         "2026-12-01T08:00:00+01:00") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} needs a time zone, e.g. {moment.isoformat()}Z or {moment.isoformat()}+01:00")
    return moment


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    """Where something is written: file and 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Expression:
    """JMESPath source text and where it is written."""

    text: str
    mark: Mark


# --- Triggers ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookTrigger:
    """``webhook: {connection: shop, topic: orders/create}`` (or ``topic: [a, b]``) — no topics
    means every topic."""

    connection: str
    topics: tuple[str, ...] | None
    mark: Mark

    def takes(self, topic: str | None) -> bool:
        """Whether a delivery of ``topic`` starts the recipe."""
        return self.topics is None or topic in self.topics


@dataclass(frozen=True, slots=True, kw_only=True)
class PollTrigger:
    """``poll: {connection: crm, resource: accounts, every: 5m, overlap: 2m, start: now}``.

    ``start`` is where the first poll reads from: ``"now"`` (when the recipe was first
    loaded), a moment, or None for the source's whole history.
    """

    connection: str
    resource: str
    every: timedelta
    overlap: timedelta
    mark: Mark
    start: PollStart = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleTrigger:
    """``schedule: {cron: "0 8 * * 1-5", timezone: Europe/Berlin}`` (timezone default UTC)."""

    cron: str
    timezone: str
    mark: Mark


@dataclass(frozen=True, slots=True, kw_only=True)
class ManualTrigger:
    """``manual: {}`` — runs only when started by hand (CLI, API, UI)."""

    mark: Mark


Trigger = WebhookTrigger | PollTrigger | ScheduleTrigger | ManualTrigger


# --- Steps ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StepSpec:
    """A step as written: its ``kind`` (the YAML key, e.g. ``credit_check``) and that key's
    ``body`` as plain data, in which the lists of steps a kind nests (for_each's ``steps``) are
    StepSpecs too. What a body means is its kind's business (hub/pipeline/steps/<kind>.py),
    which builds it into a runnable step."""

    id: str
    kind: str
    when: Expression | None
    body: Any
    mark: Mark


# --- Recipe -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How a run that failed for a passing reason is retried before it is dead-lettered."""

    max_attempts: int = 5
    backoff: str = "exponential"  # "exponential" | "fixed"
    initial: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    jitter: bool = True


#: What a ``retention:`` setting keeps for a while: each a duration, or None for ever.
RETENTION_KINDS = ("event_bodies", "step_data", "finished_runs", "audit")


@dataclass(frozen=True, slots=True, kw_only=True)
class Retention:
    """How long data is kept after its run finished (None: for ever); ``retention:`` in the
    config sets it for the hub, a recipe's ``retention:`` overrides it for that recipe's runs."""

    event_bodies: timedelta | None = timedelta(days=30)
    step_data: timedelta | None = timedelta(days=30)
    finished_runs: timedelta | None = timedelta(days=180)
    audit: timedelta | None = timedelta(days=90)
    batch_size: int = 500  # rows per pruning transaction (hub-wide only)
    every: timedelta = timedelta(hours=1)  # how often the hub prunes (hub-wide only)

    def overridden(self, overrides: Mapping[str, timedelta | None]) -> Retention:
        """This retention with a recipe's own values in place of the hub's."""
        return replace(self, **{k: v for k, v in overrides.items() if k in RETENTION_KINDS})


def parse_retention(value: int | str) -> timedelta | None:
    """A retention duration (``"30d"``, ``"12h"``, whole seconds) or ``"never"`` (None)."""
    return None if value == "never" else parse_duration(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipe:
    """One recipe file, validated. ``hash`` (sha256 of ``text``) identifies the version run."""

    slug: str
    description: str
    trigger: Trigger
    steps: tuple[StepSpec, ...]
    retry: RetryPolicy
    on_failure: tuple[StepSpec, ...]
    tables: Mapping[str, Mapping[str, Any]]
    path: str
    text: str
    hash: str
    mark: Mark
    on_hold: tuple[StepSpec, ...] = ()
    retention: Mapping[str, timedelta | None] = field(default_factory=dict)  # overrides only

"""Load a recipe: YAML text -> schema check -> semantic check -> frozen ``Recipe``.

Every problem in the file is collected first and raised together as one ``ConfigError``
whose issues read ``file:line:col: json/path: message``::

    recipe = load_recipe("recipes/orders.yaml", connections=conns, entities=known_entities())
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path as FilePath
from types import MappingProxyType
from typing import Any

from hub import SCHEMAS
from hub.connector import Connector
from hub.errors import ConfigError, Issue
from hub.recipe import model
from hub.recipe.validate import at_least_once_calls, check_recipe
from hub.yamldoc import Document, load_document, schema_issues, sort_issues

Path = tuple[str | int, ...]


@lru_cache(maxsize=1)
def recipe_schema() -> dict[str, Any]:
    """hub/schemas/recipe.schema.json (do not modify the returned dict)."""
    return json.loads((SCHEMAS / "recipe.schema.json").read_text(encoding="utf-8"))


def known_entities() -> frozenset[str]:
    """Canonical entity names: the stems of hub/schemas/o2c/*.schema.json (except ``common``)."""
    stems = (p.name.removesuffix(".schema.json") for p in (SCHEMAS / "o2c").glob("*.schema.json"))
    return frozenset(s for s in stems if s != "common")


def load_recipe(path: str | FilePath, *, connections: Mapping[str, Connector],
                entities: Collection[str]) -> model.Recipe:
    """Read and validate the recipe at ``path``; ConfigError lists every problem."""
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Issue(file=str(path), line=1, col=1, path="", message=f"cannot read the file: {exc}")]) from None
    return parse_recipe(text, str(path), connections=connections, entities=entities)


def parse_recipe(text: str, file: str, *, connections: Mapping[str, Connector],
                 entities: Collection[str]) -> model.Recipe:
    """Validate recipe ``text`` (reported as ``file``) and build it; ConfigError lists every problem."""
    doc = load_document(text, file)
    shape = schema_issues(doc.data, recipe_schema(), doc, file)
    meaning = check_recipe(doc, text, connections=connections, entities=entities,
                           schema_problems=[*doc.issues, *shape])
    problems = sort_issues([*doc.issues, *shape, *meaning])
    if problems:
        raise ConfigError(problems)
    return _Builder(doc, text).recipe()


def validate_paths(paths: Iterable[str | FilePath], *, connections: Mapping[str, Connector],
                   entities: Collection[str]) -> list[Issue]:
    """Every problem in the recipes at ``paths``, including a slug used by two files."""
    issues: list[Issue] = []
    owners: dict[str, str] = {}
    for path in paths:
        try:
            recipe = load_recipe(path, connections=connections, entities=entities)
        except ConfigError as exc:
            issues.extend(exc.issues)
            continue
        if recipe.slug in owners:
            issues.append(Issue(file=recipe.path, line=recipe.mark.line, col=recipe.mark.col, path="recipe",
                                message=f"recipe {recipe.slug!r} is also defined in {owners[recipe.slug]}"))
        owners.setdefault(recipe.slug, recipe.path)
    return issues


def delivery_warnings(paths: Iterable[str | FilePath], *, connections: Mapping[str, Connector]) -> list[Issue]:
    """The warnings of the valid recipes at ``paths``: each call made at least once."""
    warnings: list[Issue] = []
    for path in paths:
        text = FilePath(path).read_text(encoding="utf-8")
        warnings += at_least_once_calls(load_document(text, str(path)), connections)
    return warnings


class _Builder:
    """Turns validated data into model objects, attaching the mark of each part."""

    def __init__(self, doc: Document, text: str):
        self.doc, self.text = doc, text
        self.data: dict[str, Any] = doc.data

    def mark(self, path: Path) -> model.Mark:
        line, col = self.doc.locate(path)
        return model.Mark(file=self.doc.file, line=line, col=col)

    def expr(self, path: Path, value: str) -> model.Expression:
        return model.Expression(text=value, mark=self.mark(path))

    def maybe_expr(self, path: Path, spec: Mapping[str, Any], key: str) -> model.Expression | None:
        return self.expr((*path, key), spec[key]) if key in spec else None

    def recipe(self) -> model.Recipe:
        data = self.data
        return model.Recipe(
            slug=data["recipe"], description=data.get("description", ""),
            trigger=self.trigger(), steps=self.steps(data["steps"], ("steps",)),
            retry=_retry(data.get("retry", {})), on_failure=self.handlers(data.get("on_failure", []), "on_failure"),
            on_hold=self.handlers(data.get("on_hold", []), "on_hold"),
            tables=_freeze_tables(data.get("tables", {})), path=self.doc.file, text=self.text,
            hash=hashlib.sha256(self.text.encode("utf-8")).hexdigest(), mark=self.mark(()),
            retention=MappingProxyType({kind: model.parse_retention(value)
                                        for kind, value in data.get("retention", {}).items()}),
        )

    def trigger(self) -> model.Trigger:
        kind, spec = next(iter(self.data["trigger"].items()))
        mark = self.mark(("trigger", kind))
        if kind == "webhook":
            topic = spec.get("topic")
            topics = None if topic is None else tuple([topic] if isinstance(topic, str) else topic)
            return model.WebhookTrigger(connection=spec["connection"], topics=topics, mark=mark)
        if kind == "poll":
            return model.PollTrigger(connection=spec["connection"], resource=spec["resource"], mark=mark,
                                     every=model.parse_duration(spec["every"]),
                                     overlap=model.parse_duration(spec.get("overlap", "2m")),
                                     start=model.parse_poll_start(spec["start"]) if "start" in spec else None)
        if kind == "schedule":
            return model.ScheduleTrigger(cron=spec["cron"], timezone=spec.get("timezone", "UTC"), mark=mark)
        return model.ManualTrigger(mark=mark)

    def steps(self, steps: list[dict[str, Any]], path: Path) -> tuple[model.Step, ...]:
        return tuple(self.step(step, (*path, i), step["id"]) for i, step in enumerate(steps))

    def handlers(self, steps: list[dict[str, Any]], key: str) -> tuple[model.Step, ...]:
        """``on_failure`` / ``on_hold`` steps; unnamed ones are <key>_1, <key>_2, ..."""
        return tuple(self.step(step, (key, i), step.get("id", f"{key}_{i + 1}"))
                     for i, step in enumerate(steps))

    def step(self, step: dict[str, Any], path: Path, step_id: str) -> model.Step:
        kind = next(k for k in _STEP_BUILDERS if k in step)
        common = {"id": step_id, "mark": self.mark(path), "when": self.maybe_expr(path, step, "when")}
        return _STEP_BUILDERS[kind](self, (*path, kind), step[kind], common)

    def map_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.MapStep:
        if isinstance(spec, str):
            return model.MapStep(**common, expr=self.expr(path, spec), into=None,
                                 source=model.Expression(text="event", mark=self.mark(path)))
        source = self.maybe_expr(path, spec, "from") or model.Expression(text="event", mark=self.mark(path))
        using = tuple(spec["using"].split(".", 1)) if "using" in spec else None
        return model.MapStep(**common, expr=self.maybe_expr(path, spec, "expr"),
                             into=spec.get("into"), source=source, using=using)

    def validate_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.ValidateStep:
        return model.ValidateStep(**common, schema=spec["schema"], source=self.expr((*path, "from"), spec["from"]))

    def filter_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.FilterStep:
        return model.FilterStep(**common, condition=self.expr(path, spec))

    def upsert_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.UpsertStep:
        ref = spec.get("ref", {})
        return model.UpsertStep(**common, entity=spec["entity"], source=self.expr((*path, "from"), spec["from"]),
                                ref_connection=ref.get("connection"),
                                ref_id=self.maybe_expr((*path, "ref"), ref, "id"))

    def lookup_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.LookupStep:
        ref = spec.get("ref", {})
        return model.LookupStep(**common, entity=spec["entity"], match=self.maybe_expr(path, spec, "match"),
                                ref_connection=ref.get("connection"),
                                ref_id=self.maybe_expr((*path, "ref"), ref, "id"),
                                required=spec.get("required", False))

    def query_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.QueryStep:
        return model.QueryStep(**common, entity=spec["entity"],
                               where=MappingProxyType(dict(spec.get("where", {}))),
                               overdue=spec.get("overdue", False), limit=spec.get("limit", 1000))

    def call_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.CallStep:
        return model.CallStep(**common, connection=spec["connection"], action=spec["action"],
                              with_=self.maybe_expr(path, spec, "with"), key=self.maybe_expr(path, spec, "key"),
                              options=MappingProxyType(dict(spec.get("options", {}))),
                              read_only=spec.get("read_only", False))

    def notify_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.NotifyStep:
        text = model.Template(text=spec["text"], mark=self.mark((*path, "text")))
        return model.NotifyStep(**common, connection=spec["connection"], text=text,
                                channel=spec.get("channel"), key=self.maybe_expr(path, spec, "key"))

    def for_each_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.ForEachStep:
        return model.ForEachStep(**common, items=self.expr((*path, "in"), spec["in"]),
                                 as_=spec.get("as", "item"), steps=self.steps(spec["steps"], (*path, "steps")))

    def credit_check_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.CreditCheckStep:
        policy = spec.get("policy", {})
        return model.CreditCheckStep(**common, order=self.expr((*path, "order"), spec["order"]),
                                     policy=self.credit_policy((*path, "policy"), policy))

    def credit_policy(self, path: Path, spec: Mapping[str, Any]) -> model.CreditPolicy:
        share = spec.get("max_overdue_share")
        cap = spec.get("new_customer_cap")
        return model.CreditPolicy(
            tolerance=model.parse_percent(spec.get("tolerance", "0%")),
            max_overdue_days=spec.get("max_overdue_days"),
            max_overdue_share=model.parse_percent(share) if share is not None else None,
            dunning_hold=spec.get("dunning_hold", True),
            new_customer_cap=Decimal(cap) if cap is not None else None,
            prepaid=self.maybe_expr(path, spec, "prepaid"),
        )

    def reconcile_step(self, path: Path, spec: Any, common: dict[str, Any]) -> model.ReconcileStep:
        return model.ReconcileStep(
            **common, name=spec.get("name"), left=self.expr((*path, "left"), spec["left"]),
            right=self.expr((*path, "right"), spec["right"]), key=self.expr((*path, "key"), spec["key"]),
            compare=tuple(self.expr((*path, "compare", i), c) for i, c in enumerate(spec.get("compare", []))),
            tolerance=Decimal(spec.get("tolerance", "0")),
        )


_STEP_BUILDERS: dict[str, Callable[..., model.Step]] = {
    "map": _Builder.map_step, "validate": _Builder.validate_step, "filter": _Builder.filter_step,
    "upsert": _Builder.upsert_step, "lookup": _Builder.lookup_step, "query": _Builder.query_step,
    "call": _Builder.call_step, "notify": _Builder.notify_step,
    "for_each": _Builder.for_each_step, "credit_check": _Builder.credit_check_step,
    "reconcile": _Builder.reconcile_step,
}


def _retry(spec: Mapping[str, Any]) -> model.RetryPolicy:
    defaults = model.RetryPolicy()
    return model.RetryPolicy(
        max_attempts=spec.get("max_attempts", defaults.max_attempts),
        backoff=spec.get("backoff", defaults.backoff),
        initial=model.parse_duration(spec["initial"]) if "initial" in spec else defaults.initial,
        max_delay=model.parse_duration(spec["max_delay"]) if "max_delay" in spec else defaults.max_delay,
        jitter=spec.get("jitter", defaults.jitter),
    )


def _freeze_tables(tables: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({name: MappingProxyType(dict(rows)) for name, rows in tables.items()})

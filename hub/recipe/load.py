"""Load a recipe: YAML text -> schema check -> semantic check -> frozen ``Recipe``.

Every problem in the file is collected first and raised together as one ``ConfigError``
whose issues read ``file:line:col: json/path: message``::

    recipe = load_recipe("recipes/orders.yaml", connections=conns, entities=known_entities(),
                         steps=StepRegistry.from_entry_points())

``steps`` is the registry of step kinds the recipe may use (left out: every kind installed).
A step becomes a ``StepSpec`` (its kind, its body, where it is written); its kind builds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path as FilePath
from types import MappingProxyType
from typing import Any

from hub import SCHEMAS
from hub.connector import Connector
from hub.errors import ConfigError, Issue
from hub.pipeline.registry import StepRegistry
from hub.recipe import model
from hub.recipe.schema import recipe_schema
from hub.recipe.validate import check_recipe, recipe_warnings
from hub.yamldoc import Document, load_document, schema_issues, sort_issues

Path = tuple[str | int, ...]


def known_entities() -> frozenset[str]:
    """Canonical entity names: the stems of hub/schemas/o2c/*.schema.json (except ``common``)."""
    stems = (p.name.removesuffix(".schema.json") for p in (SCHEMAS / "o2c").glob("*.schema.json"))
    return frozenset(s for s in stems if s != "common")


def load_recipe(path: str | FilePath, *, connections: Mapping[str, Connector], entities: Collection[str],
                steps: StepRegistry | None = None) -> model.Recipe:
    """Read and validate the recipe at ``path``; ConfigError lists every problem."""
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Issue(file=str(path), line=1, col=1, path="", message=f"cannot read the file: {exc}")]) from None
    return parse_recipe(text, str(path), connections=connections, entities=entities, steps=steps)


def parse_recipe(text: str, file: str, *, connections: Mapping[str, Connector], entities: Collection[str],
                 steps: StepRegistry | None = None) -> model.Recipe:
    """Validate recipe ``text`` (reported as ``file``) and read it; ConfigError lists every problem."""
    registry = steps or StepRegistry.from_entry_points()
    doc = load_document(text, file)
    shape = schema_issues(doc.data, recipe_schema(registry), doc, file)
    meaning = check_recipe(doc, text, connections=connections, entities=entities, steps=registry,
                           schema_problems=[*doc.issues, *shape])
    problems = sort_issues([*doc.issues, *shape, *meaning])
    if problems:
        raise ConfigError(problems)
    return _Reader(doc, text, registry).recipe()


def validate_paths(paths: Iterable[str | FilePath], *, connections: Mapping[str, Connector],
                   entities: Collection[str], steps: StepRegistry | None = None) -> list[Issue]:
    """Every problem in the recipes at ``paths``, including a slug used by two files."""
    issues: list[Issue] = []
    owners: dict[str, str] = {}
    for path in paths:
        try:
            recipe = load_recipe(path, connections=connections, entities=entities, steps=steps)
        except ConfigError as exc:
            issues.extend(exc.issues)
            continue
        if recipe.slug in owners:
            issues.append(Issue(file=recipe.path, line=recipe.mark.line, col=recipe.mark.col, path="recipe",
                                message=f"recipe {recipe.slug!r} is also defined in {owners[recipe.slug]}"))
        owners.setdefault(recipe.slug, recipe.path)
    return issues


def delivery_warnings(paths: Iterable[str | FilePath], *, connections: Mapping[str, Connector],
                      steps: StepRegistry | None = None) -> list[Issue]:
    """The warnings of the valid recipes at ``paths`` (e.g. each call made at least once)."""
    registry = steps or StepRegistry.from_entry_points()
    warnings: list[Issue] = []
    for path in paths:
        text = FilePath(path).read_text(encoding="utf-8")
        warnings += recipe_warnings(load_document(text, str(path)), connections, registry)
    return warnings


class _Reader:
    """Turns validated data into model objects, attaching the mark of each part."""

    def __init__(self, doc: Document, text: str, registry: StepRegistry):
        self.doc, self.text, self.registry = doc, text, registry
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

    def steps(self, steps: list[dict[str, Any]], path: Path) -> tuple[model.StepSpec, ...]:
        return tuple(self.step(step, (*path, i), step["id"]) for i, step in enumerate(steps))

    def handlers(self, steps: list[dict[str, Any]], key: str) -> tuple[model.StepSpec, ...]:
        """``on_failure`` / ``on_hold`` steps; unnamed ones are <key>_1, <key>_2, ..."""
        return tuple(self.step(step, (key, i), step.get("id", f"{key}_{i + 1}"))
                     for i, step in enumerate(steps))

    def step(self, step: dict[str, Any], path: Path, step_id: str) -> model.StepSpec:
        kind = self.registry.kind_of(step)
        body = step[kind.name]
        for key in kind.nested:  # nested steps are read like top-level ones
            body = {**body, key: self.steps(body[key], (*path, kind.name, key))}
        return model.StepSpec(id=step_id, kind=kind.name, when=self.maybe_expr(path, step, "when"),
                              body=body, mark=self.mark(path))


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

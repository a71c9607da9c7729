"""Checks a recipe's meaning once its shape has passed the JSON Schema.

What is checked (each problem becomes one Issue at the place it is written):

- the trigger: its connection exists and receives webhooks, or has the poll resource; a poll
  start is a real date or a date-time with its time zone; cron expressions and time zones;
- step ids are unique across the recipe (nested steps included) and not a built-in name;
- JMESPath parses and calls only known functions; Jinja templates parse;
- every name an expression or template starts from is ``event``, ``trigger``, ``run``,
  ``tables`` or a step defined earlier (nested steps also see what their kind gives them, e.g.
  for_each's ``as`` name; ``on_failure`` and ``on_hold`` see every top-level step);
- ``on_hold`` only with a step whose kind can hold a run;
- each step's own meaning (connections and their actions, canonical entities, ...): its kind's
  ``check`` (hub/pipeline/steps/<kind>.py), through :class:`_StepChecks`, which reports at the
  line where each part of the step is written.

Only parts without schema problems are checked, so one mistake is reported once.

Besides problems, :func:`recipe_warnings` lists warnings that do not stop a recipe, from the
kinds that have a ``warn`` (call: an action made at least once, hub/connector.py, so a call
cut short by a crash is made again).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import jmespath
import yaml
from apscheduler.triggers.cron import CronTrigger
from jinja2 import TemplateSyntaxError, meta
from jmespath.exceptions import IncompleteExpressionError, LexerError, ParseError

from hub.connector import Connector
from hub.errors import Issue
from hub.pipeline.functions import function_names
from hub.pipeline.registry import StepRegistry
from hub.pipeline.step import StepKind
from hub.pipeline.templates import make_environment
from hub.recipe.model import parse_poll_start
from hub.yamldoc import Document, join_path

#: Names every expression may start from besides earlier steps.
BUILTIN_NAMES = ("event", "trigger", "run", "tables")

Path = tuple[str | int, ...]

# Which children of a JMESPath AST node are evaluated against something other than the
# current context (True = relative): the right side of `a.b`, `a[*].b`, `a | b`, filters, `&x`.
_RELATIVE_CHILDREN = {
    "subexpression": (False, True), "index_expression": (False, True),
    "projection": (False, True), "value_projection": (False, True),
    "filter_projection": (False, True, True), "pipe": (False, True), "expref": (True,),
}


def check_recipe(doc: Document, text: str, *, connections: Mapping[str, Connector], entities: Collection[str],
                 steps: StepRegistry, schema_problems: Collection[Issue]) -> list[Issue]:
    """Every semantic problem of the recipe in ``doc`` (``text`` is its source)."""
    checker = _Checker(doc, text, connections, entities, steps, {i.path for i in schema_problems})
    data = doc.data if isinstance(doc.data, dict) else {}
    checker.trigger(data.get("trigger"))
    top = checker.steps(data.get("steps"), ("steps",), BUILTIN_NAMES)
    checker.steps(data.get("on_failure"), ("on_failure",), top)
    checker.steps(data.get("on_hold"), ("on_hold",), top)
    checker.on_hold(data)
    return checker.issues


def recipe_warnings(doc: Document, connections: Mapping[str, Connector], steps: StepRegistry) -> list[Issue]:
    """The warnings of a valid recipe: what each step's kind warns about (``StepKind.warn``)."""
    checker = _Checker(doc, "", connections, (), steps, set())  # warnings point at values, not into them
    data = doc.data if isinstance(doc.data, dict) else {}
    for path, kind, _step in _walk(data, steps):
        if kind.warn is not None:
            kind.warn(checker.value((*path, kind.name)), _StepChecks(checker, (*path, kind.name), ()))
    return checker.issues


def _walk(data: dict[str, Any], registry: StepRegistry) -> Iterator[tuple[Path, StepKind, dict[str, Any]]]:
    """(path, kind, step) of every step of ``data``, nested ones included, in reading order."""
    def walk(steps: Any, path: Path) -> Iterator[tuple[Path, StepKind, dict[str, Any]]]:
        for index, step in enumerate(steps if isinstance(steps, list) else []):
            kind = registry.kind_of(step) if isinstance(step, dict) else None
            if kind is None:
                continue
            yield (*path, index), kind, step
            body = step[kind.name]
            for key in kind.nested if isinstance(body, dict) else ():
                yield from walk(body.get(key), (*path, index, kind.name, key))

    for key in ("steps", "on_failure", "on_hold"):
        yield from walk(data.get(key), (key,))


class _Checker:
    """Walks the recipe data, collecting issues; only reads ``doc`` and the connections."""

    def __init__(self, doc: Document, text: str, connections: Mapping[str, Connector],
                 entities: Collection[str], registry: StepRegistry, bad_paths: set[str]):
        self.doc, self.text, self.connections, self.entities = doc, text, connections, entities
        self.registry, self.bad_paths = registry, bad_paths
        self.issues: list[Issue] = []
        self.first_line: dict[str, int] = {}
        data = doc.data if isinstance(doc.data, dict) else {}
        self.all_ids = {step["id"] for path, _, step in _walk(data, registry)
                        if path[0] == "steps" and isinstance(step.get("id"), str)}
        self.functions = function_names()
        self.jinja = make_environment()  # with the filters notify texts are rendered with

    # --- helpers --------------------------------------------------------------------------

    def ok(self, path: Path) -> bool:
        """Whether the part at ``path`` passed the schema (nothing wrong at or below it)."""
        here = join_path(path)
        return not any(p == here or p.startswith(here + "/") for p in self.bad_paths)

    def report(self, path: Path, message: str, offset: int | None = None) -> None:
        line, col = self.position(path, offset)
        self.issues.append(Issue(file=self.doc.file, line=line, col=col, path=join_path(path), message=message))

    def position(self, path: Path, offset: int | None) -> tuple[int, int]:
        """Where character ``offset`` of the scalar at ``path`` is written (else the scalar)."""
        node = self.doc.node_at(path)
        if offset is None or not isinstance(node, yaml.ScalarNode):
            return self.doc.locate(path)
        start, end = node.start_mark, node.end_mark
        if node.style in (None, "'", '"') and start.line == end.line:
            quote = 0 if node.style is None else 1
            if self.text[start.index + quote:end.index - quote] == node.value:
                return start.line + 1, start.column + 1 + quote + offset
        if node.style == "|":
            return self._block_position(node, offset)
        return self.doc.locate(path)

    def _block_position(self, node: yaml.ScalarNode, offset: int) -> tuple[int, int]:
        """A literal block keeps its lines: value line n is source line n after the ``|``."""
        lines_before = node.value.count("\n", 0, offset)
        col = offset - (node.value.rfind("\n", 0, offset) + 1)
        source = self.text.splitlines()
        first = node.start_mark.line + 1
        indent = len(source[first]) - len(source[first].lstrip(" ")) if first < len(source) else 0
        return first + 1 + lines_before, indent + col + 1

    def value(self, path: Path) -> Any:
        node: Any = self.doc.data
        for part in path:
            node = node[part]
        return node

    # --- connections, entities, trigger ---------------------------------------------------

    def connection(self, path: Path, name: str | None = None) -> Connector | None:
        """The connection named at ``path`` (or ``name``, reported at ``path``), if configured."""
        name = self.value(path) if name is None else name
        if name in self.connections:
            return self.connections[name]
        known = ", ".join(sorted(self.connections)) or "none are configured"
        self.report(path, f"unknown connection {name!r} (known: {known})")
        return None

    def entity(self, path: Path) -> bool:
        name = self.value(path)
        if name in self.entities:
            return True
        self.report(path, f"unknown entity {name!r} (known: {', '.join(sorted(self.entities))})")
        return False

    def trigger(self, trigger: Any) -> None:
        if not isinstance(trigger, dict) or len(trigger) != 1 or not self.ok(("trigger",)):
            return
        kind = next(iter(trigger))
        check = {"webhook": self.webhook, "poll": self.poll, "schedule": self.schedule}.get(kind)
        if check is not None:
            check(("trigger", kind))

    def webhook(self, path: Path) -> None:
        conn = self.connection((*path, "connection"))
        if conn is not None and not conn.accepts_webhooks():
            self.report((*path, "connection"), f"connection {conn.name!r} does not receive webhooks")

    def poll(self, path: Path) -> None:
        conn = self.connection((*path, "connection"))
        resource = self.value((*path, "resource"))
        if conn is not None and resource not in conn.resources():
            known = ", ".join(sorted(conn.resources())) or "it has none"
            self.report((*path, "resource"), f"connection {conn.name!r} has no resource {resource!r} (known: {known})")
        if "start" in self.value(path):
            self.poll_start((*path, "start"))

    def poll_start(self, path: Path) -> None:
        try:
            parse_poll_start(self.value(path))
        except ValueError as exc:
            self.report(path, str(exc))

    def schedule(self, path: Path) -> None:
        zone = self.value(path).get("timezone", "UTC")
        try:
            ZoneInfo(zone)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            self.report((*path, "timezone"), f"unknown time zone {zone!r} (e.g. UTC, Europe/Berlin)")
            zone = "UTC"
        try:
            CronTrigger.from_crontab(self.value((*path, "cron")), timezone=zone)
        except ValueError as exc:
            self.report((*path, "cron"), f"invalid cron expression: {exc}")

    # --- steps ----------------------------------------------------------------------------

    def steps(self, steps: Any, path: Path, visible: tuple[str, ...]) -> tuple[str, ...]:
        """Check ``steps`` in order; return ``visible`` extended by their ids."""
        for index, step in enumerate(steps if isinstance(steps, list) else []):
            here = (*path, index)
            if not isinstance(step, dict):
                continue
            if self.ok(here):
                self.step(step, here, visible)
            step_id = step.get("id")
            if isinstance(step_id, str) and self.ok((*here, "id")):
                self.step_id((*here, "id"), step_id)
                visible = (*visible, step_id)
        return visible

    def step_id(self, path: Path, step_id: str) -> None:
        line, _ = self.doc.locate(path)
        if step_id in BUILTIN_NAMES:
            self.report(path, f"{step_id!r} cannot be a step id: it is a built-in name ({', '.join(BUILTIN_NAMES)})")
        elif step_id in self.first_line:
            self.report(path, f"duplicate step id {step_id!r} (first defined on line {self.first_line[step_id]})")
        else:
            self.first_line[step_id] = line

    def step(self, step: dict[str, Any], path: Path, visible: tuple[str, ...]) -> None:
        if "when" in step:
            self.expression((*path, "when"), visible)
        kind = self.registry.kind_of(step)
        if kind is not None:
            kind.check(step[kind.name], _StepChecks(self, (*path, kind.name), visible))

    def on_hold(self, data: dict[str, Any]) -> None:
        if not data.get("on_hold") or not self.ok(("on_hold",)):
            return
        holding = [kind.name for kind in self.registry if kind.holds]
        if not any(kind.holds for path, kind, _ in _walk(data, self.registry) if path[0] == "steps"):
            self.report(("on_hold",), "on_hold handlers never run: no step of this recipe can hold a run "
                                      f"(add a {' or '.join(holding)} step)")

    # --- expressions and templates --------------------------------------------------------

    def expression(self, path: Path, visible: tuple[str, ...] | None) -> None:
        """Parse the JMESPath at ``path``; check its functions and, if ``visible``, its names."""
        source = self.value(path)
        try:
            tree = jmespath.compile(source).parsed
        except (LexerError, ParseError) as exc:
            self.report(path, _parse_message(exc), min(exc.lex_position or 0, len(source)))
            return
        for name in sorted(_function_calls(tree) - self.functions):
            self.report(path, self.unknown_function(name), _find(source, rf"\b{re.escape(name)}\s*\("))
        if _negates_only_the_first_name(tree):
            self.report(path, "'!' applies only to the first name here (JMESPath reads !a.b as "
                        "(!a).b): write !(a.b) or a.b != `true`", source.find("!"))
        if visible is not None:
            for name in sorted(_root_names(tree, root=True) - set(visible)):
                self.report(path, self.unknown_name(name, visible), _find(source, _name_pattern(name)))

    def template(self, path: Path, visible: tuple[str, ...]) -> None:
        source = self.value(path)
        try:
            names = meta.find_undeclared_variables(self.jinja.parse(source))
        except TemplateSyntaxError as exc:
            offset = _line_offset(source, exc.lineno)
            self.report(path, f"invalid template (line {exc.lineno}): {exc.message}", offset)
            return
        for name in sorted(names - set(visible) - set(self.jinja.globals)):
            self.report(path, self.unknown_name(name, visible), _find(source, _name_pattern(name)))

    def unknown_function(self, name: str) -> str:
        close = difflib.get_close_matches(name, sorted(self.functions), n=1)
        hint = f" (did you mean {close[0]}?)" if close else " (see hub/pipeline/functions.py)"
        return f"unknown function {name}(){hint}"

    def unknown_name(self, name: str, visible: tuple[str, ...]) -> str:
        if name in self.all_ids:
            return f"step {name!r} is not available here: only steps before this one can be used"
        return f"unknown name {name!r} (known here: {', '.join(visible)})"


class _StepChecks:
    """What a kind's ``check`` gets for one step (hub.pipeline.step.Checks): the step's body, and
    the checker's checks with paths relative to the body, so each problem is reported where
    that part of the step is written."""

    def __init__(self, checker: _Checker, path: Path, visible: tuple[str, ...]):
        self._checker, self._path, self._visible = checker, path, visible
        self.connections, self.entities = checker.connections, checker.entities
        self.names_in_use = (*BUILTIN_NAMES, *sorted(checker.all_ids))
        self.recipe_file = checker.doc.file

    @property
    def body(self) -> Any:
        return self._checker.value(self._path)

    def value(self, *keys: str | int) -> Any:
        return self._checker.value((*self._path, *keys))

    def report(self, keys: Path, message: str) -> None:
        self._checker.report((*self._path, *keys), message)

    def expression(self, *keys: str | int, names: bool = True) -> None:
        self._checker.expression((*self._path, *keys), self._visible if names else None)

    def template(self, *keys: str | int) -> None:
        self._checker.template((*self._path, *keys), self._visible)

    def connection(self, *keys: str | int, name: str | None = None) -> Connector | None:
        return self._checker.connection((*self._path, *keys), name)

    def entity(self, *keys: str | int) -> bool:
        return self._checker.entity((*self._path, *keys))

    def steps(self, *keys: str | int, names: tuple[str, ...] = ()) -> None:
        self._checker.steps(self.value(*keys), (*self._path, *keys), (*self._visible, *names))

    def add(self, issues: Iterable[Issue]) -> None:
        self._checker.issues.extend(issues)


def _parse_message(exc: ParseError | LexerError) -> str:
    if isinstance(exc, LexerError):
        detail = exc.message
    elif isinstance(exc, IncompleteExpressionError) or exc.token_type == "EOF":
        detail = "the expression ends too early"
    else:
        detail = f"unexpected {exc.token_value!r}"
    return f"invalid JMESPath expression: {detail}"


def _negates_only_the_first_name(node: dict[str, Any]) -> bool:
    """``!a.b`` parses as ``(!a).b``, which is always null: almost certainly not what was meant."""
    children = [c for c in node.get("children", []) if isinstance(c, dict)]
    if node.get("type") == "subexpression" and children[0].get("type") == "not_expression":
        return True
    return any(_negates_only_the_first_name(c) for c in children)


def _function_calls(node: dict[str, Any]) -> set[str]:
    names = {node["value"]} if node.get("type") == "function_expression" else set()
    for child in node.get("children", []):
        if isinstance(child, dict):
            names |= _function_calls(child)
    return names


def _root_names(node: dict[str, Any], *, root: bool) -> set[str]:
    """Identifiers read from the expression's root context (not from a projected value)."""
    if node.get("type") == "field":
        return {node["value"]} if root else set()
    relative = _RELATIVE_CHILDREN.get(node.get("type", ""), ())
    names: set[str] = set()
    for index, child in enumerate(node.get("children", [])):
        if isinstance(child, dict):
            # jmespath flattens a.b.c into one subexpression with three children.
            child_is_relative = relative[min(index, len(relative) - 1)] if relative else False
            names |= _root_names(child, root=root and not child_is_relative)
    return names


def _name_pattern(name: str) -> str:
    return rf"(?<![\w.'\"`]){re.escape(name)}\b"


def _find(source: str, pattern: str) -> int | None:
    match = re.search(pattern, source)
    return match.start() if match else None


def _line_offset(source: str, lineno: int) -> int:
    """Offset of the first character of 1-based line ``lineno`` of ``source``."""
    offset = 0
    for _ in range(max(lineno - 1, 0)):
        found = source.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    return offset

"""YAML documents that remember where every value came from.

``load_document`` composes YAML text into a node tree (safe: only the plain YAML tags are
accepted, never python objects), turns it into plain Python data and keeps the tree so any
problem found later can be reported at ``file:line:col``::

    doc = load_document(text, "recipes/orders.yaml")      # ConfigError on a syntax error
    issues = doc.issues + schema_issues(doc.data, schema, doc, doc.file)
    line, col = doc.locate(("steps", 2, "map"))            # 1-based

How a path is located: a value points at the value itself; a key that does not exist points
at the mapping that should hold it; ``locate_key`` points at the key (for unknown keys).

Timestamps are kept as the text written (a recipe is JSON-like data; dates are strings there),
and YAML merge keys (``<<``) are not expanded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from hub.errors import ConfigError, Issue

Path = tuple[str | int, ...]
Schema = dict[str, Any]

_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_TAG + name for name in ("null", "bool", "int", "float")}
_TEXT_TAGS = {_TAG + "str", _TAG + "timestamp"}
_COLLECTION_TAGS = {_TAG + "map", _TAG + "seq"}


class Locator(Protocol):
    """Anything that can turn a path inside a document into a 1-based (line, col)."""

    def locate(self, path: Sequence[str | int]) -> tuple[int, int]: ...

    def locate_key(self, path: Sequence[str | int]) -> tuple[int, int]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """Parsed YAML: the plain data, its node tree and the problems found while reading it."""

    file: str
    data: Any
    root: yaml.Node | None
    issues: list[Issue]

    def node_at(self, path: Sequence[str | int]) -> yaml.Node | None:
        """The node holding the value at ``path``, or None if there is no such value."""
        node, rest = _walk(self.root, path)
        return node if not rest else None

    def locate(self, path: Sequence[str | int]) -> tuple[int, int]:
        """Where the value at ``path`` starts; for a missing value, where its parent starts."""
        node, _ = _walk(self.root, path)
        return _position(node)

    def locate_key(self, path: Sequence[str | int]) -> tuple[int, int]:
        """Where the key naming ``path``'s last element is written (falls back to ``locate``)."""
        parent, rest = _walk(self.root, path[:-1])
        if not rest and path and isinstance(parent, yaml.MappingNode):
            for key_node, _ in parent.value:
                if _key_text(key_node) == str(path[-1]):
                    return _position(key_node)
        return self.locate(path)

    def issue(self, path: Sequence[str | int], message: str) -> Issue:
        """An Issue about the value at ``path``."""
        line, col = self.locate(path)
        return Issue(file=self.file, line=line, col=col, path=join_path(path), message=message)


def load_document(text: str, file: str) -> Document:
    """Parse ``text``; raise ConfigError (at the problem's position) if it is not valid YAML."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_syntax_issue(exc, file)]) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise ConfigError([Issue(file=file, line=1, col=1, path="", message=str(exc))]) from None
    issues: list[Issue] = []
    data = _Converter(file, issues).convert(root, ()) if root is not None else None
    return Document(file=file, data=data, root=root, issues=issues)


def join_path(path: Iterable[str | int]) -> str:
    """``("steps", 2, "map")`` -> ``"steps/2/map"``."""
    return "/".join(str(p) for p in path)


def sort_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Issues without duplicates, in reading order."""
    unique = {(i.file, i.line, i.col, i.path, i.message): i for i in issues}
    return [unique[k] for k in sorted(unique)]


def _syntax_issue(exc: yaml.MarkedYAMLError, file: str) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or "cannot be read"
    if exc.context and exc.problem:
        problem = f"{problem} ({exc.context})"
    return Issue(file=file, line=line, col=col, path="", message=f"invalid YAML: {problem}")


def _walk(node: yaml.Node | None, path: Sequence[str | int]) -> tuple[Any, Sequence[str | int]]:
    """Follow ``path`` as far as it exists; return the last node reached and what is left."""
    for index, part in enumerate(path):
        child = _child(node, part)
        if child is None:
            return node, path[index:]
        node = child
    return node, ()


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        found = [v for k, v in node.value if _key_text(k) == str(part)]
        return found[-1] if found else None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def _position(node: yaml.Node | None) -> tuple[int, int]:
    if node is None:
        return 1, 1
    return node.start_mark.line + 1, node.start_mark.column + 1


def _key_text(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


class _Converter:
    """Node tree -> plain data, collecting duplicate keys and unsupported tags as issues."""

    def __init__(self, file: str, issues: list[Issue]):
        self.file = file
        self.issues = issues
        self.loader = yaml.SafeLoader("")
        self.active: set[int] = set()  # nodes being converted: an alias cycle would never end

    def convert(self, node: yaml.Node, path: Path) -> Any:
        if id(node) in self.active:
            self._report(node, path, "an alias refers to itself")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
                self._report(node, path, f"the YAML tag {node.tag.replace(_TAG, '!!')!r} is not allowed")
                return None
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            return self._scalar(node, path)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key in first_line:
                self._report(key_node, (*path, key), f"duplicate key {key!r} (first on line {first_line[key]})")
            else:
                first_line[key] = key_node.start_mark.line + 1
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _key(self, node: yaml.Node, path: Path) -> str:
        if not isinstance(node, yaml.ScalarNode):
            self._report(node, path, "a key must be plain text, not a list or mapping")
            return f"<key on line {node.start_mark.line + 1}>"
        value = self._scalar(node, path)
        if not isinstance(value, str):
            # YAML 1.1 reads `on`, `no` or `1` as a bool/number: keys are always text here.
            return node.value
        return value

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        if node.tag in _TEXT_TAGS:
            return node.value
        if node.tag in _PLAIN_TAGS:
            return self.loader.construct_object(node, deep=True)
        self._report(node, path, f"the YAML tag {node.tag.replace(_TAG, '!!')!r} is not allowed")
        return node.value

    def _report(self, node: yaml.Node, path: Path, message: str) -> None:
        line, col = _position(node)
        self.issues.append(Issue(file=self.file, line=line, col=col, path=join_path(path), message=message))


# --- JSON Schema validation with readable messages -------------------------------------------

_TYPE_NAMES = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
    "number": "a number", "boolean": "true/false", "null": "empty",
}


def schema_issues(data: Any, schema: Schema, locator: Locator, file: str) -> list[Issue]:
    """Every way ``data`` breaks ``schema`` (Draft 2020-12), worded for the people who edit it."""
    validator = Draft202012Validator(schema)
    found: list[tuple[Path, str, bool]] = []
    for error in validator.iter_errors(data):
        found.extend(_explain(error, schema))
    issues = []
    for path, message, at_key in found:
        line, col = locator.locate_key(path) if at_key else locator.locate(path)
        issues.append(Issue(file=file, line=line, col=col, path=join_path(path), message=message))
    return sort_issues(issues)


def _explain(error: ValidationError, root: Schema) -> list[tuple[Path, str, bool]]:
    """(path, message, points-at-key) for one jsonschema error, recursing into oneOf/anyOf."""
    path: Path = tuple(error.absolute_path)
    explain = _EXPLAINERS.get(str(error.validator))
    if explain is not None:
        return explain(error, path, root)
    return [(path, error.message, False)]


def _additional(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    allowed = ", ".join(error.schema.get("properties", {})) or "none"
    known = set(error.schema.get("properties", {}))
    extra = [k for k in error.instance if k not in known] if isinstance(error.instance, dict) else []
    return [((*path, k), f"unknown key {k!r} (allowed: {allowed})", True) for k in extra]


def _required(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    missing = [k for k in error.validator_value if k not in error.instance]
    return [(path, f"missing required key {k!r}", False) for k in missing]


def _type(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    words = [_TYPE_NAMES.get(t, t) for t in wanted]
    names = " or ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} or {words[-1]}"
    return [(path, f"must be {names}, not {describe(error.instance)}", False)]


def _enum(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    choices = ", ".join(str(c) for c in error.validator_value)
    return [(path, f"must be one of: {choices} (not {error.instance!r})", False)]


def _pattern(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    hint = error.schema.get("errorMessage") or f"does not match {error.validator_value}"
    return [(path, f"{error.instance!r} {hint}", False)]


def _min_items(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    if error.validator_value == 1:
        return [(path, "must not be empty", False)]
    return [(path, f"must have at least {error.validator_value} items", False)]


def _min_length(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    return [(path, "must not be empty", False)]


def _min_properties(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    if error.validator_value == 1:
        return [(path, "must name at least one key", False)]
    return [(path, f"must name at least {error.validator_value} keys", False)]


def _minimum(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    return [(path, f"must be at least {error.validator_value}, not {error.instance!r}", False)]


def _maximum(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    return [(path, f"must be at most {error.validator_value}, not {error.instance!r}", False)]


def _exclusive_minimum(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    return [(path, f"must be more than {error.validator_value}, not {error.instance!r}", False)]


def _one_of(error: ValidationError, path: Path, root: Schema) -> list[tuple[Path, str, bool]]:
    """Report the branch the value was meant for, not every branch that failed."""
    branches = _branch_errors(error)
    by_type = [i for i, errs in branches.items() if not _fails_at(errs, "type")]
    if not by_type:
        return _type(_types_error(error), path, root)
    if len(by_type) == 1:
        return [item for e in branches[by_type[0]] for item in _explain(e, root)]
    return _choose_by_keys(error, path, root, branches, by_type)


def _choose_by_keys(error: ValidationError, path: Path, root: Schema,
                    branches: dict[int, list[ValidationError]], candidates: list[int]
                    ) -> list[tuple[Path, str, bool]]:
    """Among object branches, pick the one whose distinguishing key (e.g. ``map``) is present."""
    schemas = _branch_schemas(error, root)
    keys = _distinguishing_keys(schemas, candidates)
    instance = error.instance if isinstance(error.instance, dict) else {}
    present = [i for i in candidates if keys[i] and keys[i] <= instance.keys()]
    if len(present) == 1:
        return [item for e in branches[present[0]] for item in _explain(e, root)]
    expected = [k for i in candidates for k in sorted(keys[i])]
    if present:
        both = ", ".join(k for k in expected if k in instance)
        return [(path, f"use only one of {both} here (they cannot be combined)", False)]
    return _no_branch(schemas, path, instance, expected)


def _no_branch(schemas: list[Schema], path: Path, instance: dict[str, Any],
               expected: list[str]) -> list[tuple[Path, str, bool]]:
    known = {k for b in schemas for k in b.get("properties", {})}
    unknown = [k for k in instance if k not in known]
    wanted = ", ".join(expected)
    if unknown:
        return [((*path, k), f"unknown key {k!r} (expected one of: {wanted})", True) for k in unknown]
    return [(path, f"needs one of the keys: {wanted}", False)]


def _distinguishing_keys(schemas: list[Schema], candidates: list[int]) -> dict[int, set[str]]:
    required = {i: set(schemas[i].get("required", [])) for i in candidates}
    shared = set.intersection(*required.values()) if required else set()
    return {i: required[i] - shared for i in candidates}


def _branch_schemas(error: ValidationError, root: Schema) -> list[Schema]:
    """The branch schemas of a oneOf/anyOf, each ``$ref`` (local, ``#/...``) followed."""
    result = []
    for branch in error.validator_value:
        while "$ref" in branch:
            branch = _local_ref(root, branch["$ref"])
        result.append(branch)
    return result


def _local_ref(root: Schema, ref: str) -> Schema:
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part] if part else target
    return target


def _branch_errors(error: ValidationError) -> dict[int, list[ValidationError]]:
    branches: dict[int, list[ValidationError]] = {i: [] for i in range(len(error.validator_value))}
    for sub in error.context or []:
        branches[int(sub.relative_schema_path[0])].append(sub)
    return branches


def _fails_at(errors: list[ValidationError], validator: str) -> bool:
    """Whether a branch rejects the value itself (not something inside it) by ``validator``."""
    return any(e.validator == validator and not e.relative_path for e in errors)


def _types_error(error: ValidationError) -> ValidationError:
    wanted: list[str] = []
    for sub in error.context or []:
        if sub.validator == "type" and not sub.relative_path:
            values = sub.validator_value if isinstance(sub.validator_value, list) else [sub.validator_value]
            wanted.extend(t for t in values if t not in wanted)
    return ValidationError("", validator="type", validator_value=wanted, instance=error.instance)


def describe(value: Any) -> str:
    """A short, non-technical name for the type of ``value`` ("a list", "a number" ...)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


_EXPLAINERS = {
    "additionalProperties": _additional, "required": _required, "type": _type, "enum": _enum,
    "pattern": _pattern, "minItems": _min_items, "minLength": _min_length,
    "minProperties": _min_properties, "minimum": _minimum, "maximum": _maximum,
    "exclusiveMinimum": _exclusive_minimum,
    "oneOf": _one_of, "anyOf": _one_of,
}

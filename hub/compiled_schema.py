"""A JSON Schema turned into one Python function that answers "is this instance valid?".

jsonschema walks a schema keyword by keyword for every record, building a validator object at
each step down; for the canonical schemas that is most of the time a run spends checking an
order. :func:`compile_schema` walks the schema once and returns nested closures that do only
the checks. It answers valid or not, nothing more: the messages of an invalid record still come
from jsonschema (hub/canonical.py asks it only when this function says no).

It knows the keywords the canonical schemas use, with draft 2020-12's meaning, and takes the
type and format checks from the jsonschema validator it stands in for, so both always agree on
what a "number" or a "date" is. For a schema with any other keyword it returns None, and the
schema is left to jsonschema. ``tests/test_compiled_schema.py`` holds every canonical schema to
jsonschema's decisions on generated records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema._utils import equal

Check = Callable[[Any], bool]

#: Keywords that only describe (they never make an instance invalid).
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment", "$schema", "$id", "$defs",
                          "errorMessage", "x-kind", "deprecated", "readOnly", "writeOnly"})


def compile_schema(schema: Any, *, is_type: Callable[[Any, str], bool],
                   conforms: Callable[[Any, str], bool]) -> Check | None:
    """The validity check of ``schema`` (references already inlined), or None when it uses a
    keyword not implemented here. ``is_type(instance, name)`` and ``conforms(instance, format)``
    are the jsonschema validator's own type and format checks."""
    compiler = _Compiler(is_type, conforms)
    check = compiler.compile(schema)
    return None if compiler.unknown else check


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda instance: True
    if len(checks) == 1:
        return checks[0]
    return lambda instance: all(check(instance) for check in checks)


class _Compiler:
    def __init__(self, is_type: Callable[[Any, str], bool], conforms: Callable[[Any, str], bool]):
        self.is_type = is_type
        self.conforms = conforms
        self.unknown: set[str] = set()  # keywords met that are not implemented

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda instance: True
        if schema is False:
            return lambda instance: False
        if not isinstance(schema, dict):
            self.unknown.add(f"a schema that is a {type(schema).__name__}")
            return lambda instance: False
        self.unknown |= set(schema) - _ANNOTATIONS - set(_KEYWORDS)
        checks = [_KEYWORDS[name](self, value, schema) for name, value in schema.items() if name in _KEYWORDS]
        return _all([check for check in checks if check is not None])

    # --- keywords (draft 2020-12 meaning); each returns a check, or None when it checks nothing

    def type_(self, value: Any, schema: dict) -> Check:
        names = [value] if isinstance(value, str) else list(value)
        is_type = self.is_type
        if len(names) == 1:
            name = names[0]
            return lambda instance: is_type(instance, name)
        return lambda instance: any(is_type(instance, name) for name in names)

    def properties(self, value: dict, schema: dict) -> Check:
        items = [(name, self.compile(sub)) for name, sub in value.items()]

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            return all(sub(instance[name]) for name, sub in items if name in instance)
        return check

    def additional_properties(self, value: Any, schema: dict) -> Check:
        known = frozenset(schema.get("properties", {}))
        if value is False:
            return lambda instance: not isinstance(instance, dict) or known.issuperset(instance)
        sub = self.compile(value)
        return lambda instance: not isinstance(instance, dict) or all(
            sub(v) for k, v in instance.items() if k not in known)

    def required(self, value: list, schema: dict) -> Check:
        names = tuple(value)
        return lambda instance: not isinstance(instance, dict) or all(name in instance for name in names)

    def dependent_required(self, value: dict, schema: dict) -> Check:
        rules = [(name, tuple(needs)) for name, needs in value.items()]
        return lambda instance: not isinstance(instance, dict) or all(
            need in instance for name, needs in rules if name in instance for need in needs)

    def items(self, value: Any, schema: dict) -> Check:
        sub = self.compile(value)
        return lambda instance: not isinstance(instance, list) or all(sub(item) for item in instance)

    def min_items(self, value: int, schema: dict) -> Check:
        return lambda instance: not isinstance(instance, list) or len(instance) >= value

    def max_items(self, value: int, schema: dict) -> Check:
        return lambda instance: not isinstance(instance, list) or len(instance) <= value

    def min_length(self, value: int, schema: dict) -> Check:
        return lambda instance: not isinstance(instance, str) or len(instance) >= value

    def max_length(self, value: int, schema: dict) -> Check:
        return lambda instance: not isinstance(instance, str) or len(instance) <= value

    def pattern(self, value: str, schema: dict) -> Check:
        search = re.compile(value).search
        return lambda instance: not isinstance(instance, str) or search(instance) is not None

    def format_(self, value: str, schema: dict) -> Check:
        conforms = self.conforms
        return lambda instance: conforms(instance, value)

    def _number_bound(self, holds: Callable[[Any], bool]) -> Check:
        is_type = self.is_type
        return lambda instance: not is_type(instance, "number") or holds(instance)

    def minimum(self, value: Any, schema: dict) -> Check:
        return self._number_bound(lambda instance: instance >= value)

    def maximum(self, value: Any, schema: dict) -> Check:
        return self._number_bound(lambda instance: instance <= value)

    def exclusive_minimum(self, value: Any, schema: dict) -> Check:
        return self._number_bound(lambda instance: instance > value)

    def exclusive_maximum(self, value: Any, schema: dict) -> Check:
        return self._number_bound(lambda instance: instance < value)

    def enum(self, value: list, schema: dict) -> Check:
        if all(isinstance(item, str) for item in value):
            names = frozenset(value)
            return lambda instance: isinstance(instance, str) and instance in names
        return lambda instance: any(equal(instance, item) for item in value)

    def const(self, value: Any, schema: dict) -> Check:
        return lambda instance: equal(instance, value)

    def all_of(self, value: list, schema: dict) -> Check:
        return _all([self.compile(sub) for sub in value])

    def any_of(self, value: list, schema: dict) -> Check:
        subs = [self.compile(sub) for sub in value]
        return lambda instance: any(sub(instance) for sub in subs)

    def one_of(self, value: list, schema: dict) -> Check:
        subs = [self.compile(sub) for sub in value]
        return lambda instance: sum(1 for sub in subs if sub(instance)) == 1

    def not_(self, value: Any, schema: dict) -> Check:
        sub = self.compile(value)
        return lambda instance: not sub(instance)

    def if_(self, value: Any, schema: dict) -> Check:
        condition = self.compile(value)
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))
        return lambda instance: then(instance) if condition(instance) else otherwise(instance)

    def then_else(self, value: Any, schema: dict) -> None:
        if "if" not in schema:
            self.compile(value)  # a keyword not implemented in it still counts
        return None  # checked with "if" (without "if", then and else check nothing)


_KEYWORDS: dict[str, Callable[[_Compiler, Any, dict], Check | None]] = {
    "type": _Compiler.type_, "properties": _Compiler.properties,
    "additionalProperties": _Compiler.additional_properties, "required": _Compiler.required,
    "dependentRequired": _Compiler.dependent_required, "items": _Compiler.items,
    "minItems": _Compiler.min_items, "maxItems": _Compiler.max_items,
    "minLength": _Compiler.min_length, "maxLength": _Compiler.max_length,
    "pattern": _Compiler.pattern, "format": _Compiler.format_,
    "minimum": _Compiler.minimum, "maximum": _Compiler.maximum,
    "exclusiveMinimum": _Compiler.exclusive_minimum, "exclusiveMaximum": _Compiler.exclusive_maximum,
    "enum": _Compiler.enum, "const": _Compiler.const,
    "allOf": _Compiler.all_of, "anyOf": _Compiler.any_of, "oneOf": _Compiler.one_of, "not": _Compiler.not_,
    "if": _Compiler.if_, "then": _Compiler.then_else, "else": _Compiler.then_else,
}

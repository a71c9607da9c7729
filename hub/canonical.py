"""The canonical O2C entities: their JSON Schemas, validation with readable messages, and
normalization to exact values.

    check("sales_order", record)          validate, then normalize; InvalidRecordError on problems
    ├── validate_record(entity, record)   every violation as "path: message"
    └── normalize(entity, record)         money → Decimal at the currency's minor unit,
                                          quantities → Decimal, dates → ISO strings

The schemas live in ``hub/schemas/o2c/*.schema.json`` and are the reference documentation of each
entity. They are read once per process into a :class:`Catalog` (a ``referencing`` registry plus
one compiled validator per entity).

Schemas may carry an ``errorMessage`` next to ``anyOf``, ``pattern``, ``format``, ``not``, a lower
bound or an upper bound: that text replaces the validator's own wording, so a finance admin reads
"currency: must be a three-letter ISO 4217 currency code" instead of a regular expression, and
"quantity: must be more than zero" instead of "-5 is less than or equal to the minimum of 0".
Formats checked here: ``date``, ``date-time``, ``email``, ``iban`` (check digits and the
country's layout, python-stdnum; normalized without spaces, in capitals) and
``payment_reference`` (an RF creditor reference must have correct check digits).
Money, quantities and ids have their bounds in ``common.schema.json`` (``amount``,
``non_negative_amount``, ``quantity``, ``signed_quantity``, ``external_id``).
A rule such as "a name or an email" sits in its own ``allOf`` entry, so its message never
replaces the ``required`` message of the object around it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import referencing
from referencing.jsonschema import DRAFT202012
from stdnum import iban as stdnum_iban
from stdnum import iso11649

from hub import SCHEMAS, jsonutil
from hub.compiled_schema import Check, compile_schema
from hub.errors import InvalidRecordError
from hub.money import quantize, to_decimal

if TYPE_CHECKING:
    from referencing._core import Resolver

SCHEMA_DIR = SCHEMAS / "o2c"
_COMMON = "common.schema.json"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_RF = re.compile(r"^RF[0-9]{2}")
_TYPE_WORDS = {
    "string": "a string", "number": "a number", "integer": "a whole number",
    "boolean": "true or false", "object": "an object", "array": "a list", "null": "empty",
}


@dataclass(frozen=True, slots=True)
class Catalog:
    """The canonical schemas of one process: each entity's schema with every ``$ref`` inlined
    (marked with the name of the definition it came from), its jsonschema validator (for the
    messages), and its validity check compiled to plain Python (hub/compiled_schema.py)."""

    schemas: dict[str, dict[str, Any]]
    validators: dict[str, jsonschema.protocols.Validator]
    checks: dict[str, Check]

    def validator(self, entity: str) -> jsonschema.protocols.Validator:
        """The validator of ``entity``; LookupError names the known entities."""
        try:
            return self.validators[entity]
        except KeyError:
            known = ", ".join(sorted(self.validators))
            raise LookupError(f"unknown entity {entity!r}; known entities: {known}") from None


class CanonicalRecord(dict):
    """A record that ``check`` has validated and normalized as ``entity``: storing it again
    needs no second check (a later step that reshapes it builds a plain dict)."""

    __slots__ = ("entity",)

    def __init__(self, entity: str, values: dict[str, Any]):
        super().__init__(values)
        self.entity = entity


@lru_cache(maxsize=4)
def load_catalog(directory: Path = SCHEMA_DIR) -> Catalog:
    """Read every schema in ``directory`` once; entities are all but common.schema.json.

    References are resolved here, once, so validating a record never looks one up again."""
    schemas = {p.name: jsonutil.loads(p.read_text("utf-8")) for p in directory.glob("*.schema.json")}
    registry = referencing.Registry().with_resources(
        (s["$id"], DRAFT202012.create_resource(s)) for s in schemas.values()
    )
    checker = _format_checker()
    inlined = {
        name.removesuffix(".schema.json"): _inline(schema, registry.resolver(base_uri=schema["$id"]))
        for name, schema in schemas.items() if name != _COMMON
    }
    validators = {
        entity: jsonschema.Draft202012Validator(schema, format_checker=checker)
        for entity, schema in inlined.items()
    }
    checks = {entity: _compiled(validator, checker) for entity, validator in validators.items()}
    return Catalog(schemas=inlined, validators=validators, checks=checks)


def _compiled(validator: jsonschema.protocols.Validator, checker: jsonschema.FormatChecker) -> Check:
    """``validator``'s schema compiled to one function; jsonschema's own ``is_valid`` for a
    schema using a keyword the compiler does not implement."""
    compiled = compile_schema(validator.schema, is_type=validator.is_type, conforms=checker.conforms)
    return compiled or validator.is_valid


def _inline(schema: Any, resolver: Resolver) -> Any:
    """``schema`` with each ``$ref`` replaced by what it points at, plus ``x-kind`` naming the
    definition (``amount``, ``date``, ...) so normalization knows what to convert."""
    if isinstance(schema, list):
        return [_inline(item, resolver) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if ref is None:
        return {k: (v if k in ("examples", "default", "enum", "const") else _inline(v, resolver))
                for k, v in schema.items()}
    resolved = resolver.lookup(ref)
    target = _inline(resolved.contents, resolved.resolver)
    kind = ref.rsplit("/", 1)[-1] if "#/$defs/" in ref else None
    rest = {k: v for k, v in schema.items() if k != "$ref"}
    return {**target, **_inline(rest, resolver), "x-kind": kind}


def _format_checker() -> jsonschema.FormatChecker:
    """Our own date, date-time and e-mail checks (no optional jsonschema extras needed)."""
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date")(lambda v: not isinstance(v, str) or _parse_date(v) is not None)
    checker.checks("date-time")(lambda v: not isinstance(v, str) or _parse_datetime(v) is not None)
    checker.checks("email")(lambda v: not isinstance(v, str) or bool(_EMAIL.match(v)))
    checker.checks("iban")(lambda v: not isinstance(v, str) or stdnum_iban.is_valid(v))
    checker.checks("payment_reference")(lambda v: not isinstance(v, str) or payment_reference_ok(v))
    return checker


def payment_reference_ok(text: str) -> bool:
    """Whether ``text`` can be an invoice's payment reference: at least 4 letters and digits, an
    RF creditor reference with correct check digits (the canonical format; a mapping leaves out
    what would fail it rather than lose the invoice)."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(compact) < 4:
        return False
    return not _RF.match(compact) or iso11649.is_valid(compact)


def _parse_date(text: str) -> date | None:
    """A date from "YYYY-MM-DD" or from a full date-time (its date, as written)."""
    if _DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    moment = _parse_datetime(text)
    return moment.date() if moment else None


def _parse_datetime(text: str) -> datetime | None:
    """An aware datetime from an ISO 8601 string with a zone, else None."""
    if not _DATETIME.match(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


# --- public API -------------------------------------------------------------------------------


def known_entities() -> list[str]:
    """Names of the canonical entities, sorted."""
    return sorted(load_catalog().validators)


def validate_record(entity: str, record: Any) -> list[str]:
    """Every violation of ``entity``'s schema as "path: message" (empty when valid)."""
    catalog = load_catalog()
    validator = catalog.validator(entity)
    if catalog.checks[entity](record):
        return []
    errors = sorted(validator.iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path])
    messages: list[str] = []
    for error in errors:
        messages.extend(m for m in _describe(error) if m not in messages)
    return messages


def normalize(entity: str, record: dict[str, Any]) -> dict[str, Any]:
    """A copy of a valid ``record`` with exact values.

    Money is a Decimal quantized to the record's currency (left unrounded when the record has
    no currency, e.g. a customer's credit limit without a currency); other decimals are Decimal;
    dates are "YYYY-MM-DD"; date-times are ISO 8601 in UTC; external ids are strings; e-mail
    addresses are lower case; top-level defaults (such as ``kind``) are filled in.
    """
    schema = load_catalog().validator(entity).schema
    out = dict(record)  # the walk copies every mapping and list it descends into
    for name, spec in schema.get("properties", {}).items():
        if name not in out and "default" in spec:
            out[name] = copy.deepcopy(spec["default"])
    return _Normalizer(currency=out.get("currency")).walk(out, schema)


def check(entity: str, record: Any) -> dict[str, Any]:
    """``record`` validated and normalized; raises InvalidRecordError listing every problem."""
    if isinstance(record, CanonicalRecord) and record.entity == entity:
        return record
    problems = validate_record(entity, record)
    if problems:
        raise InvalidRecordError(
            f"{entity} is invalid: " + "; ".join(problems), problems=problems
        )
    return CanonicalRecord(entity, normalize(entity, record))


# --- messages ---------------------------------------------------------------------------------


def _describe(error: jsonschema.ValidationError) -> list[str]:
    """Readable "path: message" lines for one jsonschema error."""
    path = "/".join(str(p) for p in error.absolute_path)
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    kind = error.validator
    if kind == "required":
        missing = [n for n in error.validator_value if n not in error.instance]
        return [f"{_join(path, n)}: {custom or 'is required'}" for n in missing]
    if kind == "dependentRequired":
        return [
            f"{_join(path, need)}: is required when {have} is given"
            for have, needs in error.validator_value.items() if have in error.instance
            for need in needs if need not in error.instance
        ]
    if kind == "additionalProperties":
        known = error.schema.get("properties", {})
        return [f"{_join(path, k)}: is not a known field" for k in error.instance if k not in known]
    if custom and kind in _CUSTOMIZABLE:
        return [f"{path or '/'}: {custom}"]
    return [f"{path or '/'}: {_wording(error)}"]


_CUSTOMIZABLE = frozenset({"anyOf", "oneOf", "pattern", "format", "not", "minimum", "exclusiveMinimum",
                           "exclusiveMaximum"})


def _wording(error: jsonschema.ValidationError) -> str:
    """The message of one simple validator, in plain words."""
    kind, value = error.validator, error.validator_value
    if kind == "type":
        names = value if isinstance(value, list) else [value]
        return "must be " + " or ".join(_TYPE_WORDS.get(n, n) for n in names)
    if kind == "enum":
        return "must be one of: " + ", ".join(str(v) for v in value)
    if kind == "minLength":
        return "must not be empty"
    if kind == "maxLength":
        return f"must be at most {value} characters long"
    if kind == "minItems":
        return "must have at least one item" if value == 1 else f"must have at least {value} items"
    if kind == "minimum":
        return f"must be at least {value}"
    if kind == "pattern":
        return f"does not match the pattern {value}"
    return error.message


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


# --- normalization ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Normalizer:
    """Walks a record beside its schema and converts values by their common definition."""

    currency: str | None

    def walk(self, value: Any, schema: dict) -> Any:
        kind = schema.get("x-kind")
        if kind is not None:
            converted = self.convert(kind, value)
            if converted is not _UNCHANGED:
                return converted
        if isinstance(value, dict):
            props = schema.get("properties", {})
            return {k: self.walk(v, props[k]) if k in props else v for k, v in value.items()}
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return [self.walk(v, schema["items"]) for v in value]
        return value

    def convert(self, kind: str | None, value: Any) -> Any:
        """The exact value of a leaf of a known common kind, or _UNCHANGED."""
        if kind in _MONEY:
            amount = _exact(value)
            return quantize(amount, self.currency) if self.currency else amount
        if kind in _NUMBERS:
            return _exact(value)
        if kind == "external_id":
            return str(value)  # numbers kept as text
        if kind == "date":
            return _parse_date(value).isoformat()
        if kind == "datetime":
            return _parse_datetime(value).astimezone(timezone.utc).isoformat()
        if kind == "email":
            return value.strip().lower()
        if kind == "iban":
            return stdnum_iban.compact(value)
        return _UNCHANGED


_UNCHANGED = object()
_MONEY = frozenset({"amount", "non_negative_amount"})
_NUMBERS = frozenset({"decimal", "quantity", "signed_quantity"})


def _exact(value: Any) -> Decimal:
    """A Decimal from a decimal string, an int, a Decimal or a float.

    A float is taken at its shortest repr, which is the text the JSON source sent (0.06 →
    Decimal("0.06")); parse JSON with hub.jsonutil to never see floats at all.
    """
    if isinstance(value, float):
        return Decimal(repr(value))
    return to_decimal(value)

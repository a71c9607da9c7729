"""The step contract: what a step kind is made of, and what a built step does when it runs.

A step kind is one module of hub/pipeline/steps/ holding, side by side::

    KIND = StepKind(
        name="upsert",                  # its YAML key, recorded on every step run
        title="Upsert", description="...", examples=({...},),   # the key's documentation
        body={...},                     # the JSON Schema of its YAML body
        check=check,                    # check(body, at: Checks): what the schema cannot say
        build=build,                    # build(body, at: Builder) -> a frozen Step
    )

and the frozen :class:`Step` that ``build`` returns: ``prepare`` takes the step's input from the
run's data (recorded with the step run), ``execute`` does the work and returns the step's output,
which later steps see under the step's id. A StepRegistry (hub/pipeline/registry.py) holds the
kinds; the recipe stages (hub/recipe/) walk it and name no kind themselves.

``Checks`` and ``Builder`` are what the validator and the builder hand a kind: ``keys`` lead
from the step's body to a part of it (none: the body itself), so every problem is reported at
the recipe line where that part is written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from jinja2 import Template

from hub.connector import Action, Connector
from hub.errors import FatalError, Issue
from hub.pipeline.context import RunContext
from hub.pipeline.functions import search

if TYPE_CHECKING:
    from hub.settings import Settings

Keys = tuple[str | int, ...]


class Expression:
    """A compiled JMESPath expression with its source, for error messages."""

    def __init__(self, source: str, compiled: Any):
        self.source = source
        self._compiled = compiled

    def __call__(self, data: Any) -> Any:
        return search(self._compiled, data)


class Filtered(Exception):
    """Raised by a filter step whose condition is false: the run ends, successfully."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """A built step: names resolved and expressions compiled once; then only executed.

    ``kind`` is the YAML key the step was written with (``credit_check``); ``location`` is
    where it is written (``recipes/orders.yaml:12:5``), prefixed to the errors it raises.
    """

    id: str
    kind: str
    when: Expression | None
    location: str

    def prepare(self, ctx: RunContext) -> Any:
        """The step's input, taken from the run's data (recorded with the step run)."""
        return None

    def execute(self, ctx: RunContext, given: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class Checks(Protocol):
    """What a kind's ``check`` gets from the validator for one step."""

    body: Any
    connections: Mapping[str, Connector]
    entities: Collection[str]
    names_in_use: Collection[str]  # built-in names and every step id of the recipe
    recipe_file: str  # the recipe's path, for files a step names relative to it

    def value(self, *keys: str | int) -> Any: ...

    def report(self, keys: Keys, message: str) -> None:
        """A problem (or, when warning, a warning) about the part of the body at ``keys``."""

    def expression(self, *keys: str | int, names: bool = True) -> None:
        """Parse the JMESPath at ``keys``; with ``names``, it may start only from the names visible
        here (event, trigger, run, tables, earlier steps); without, it reads a record."""

    def template(self, *keys: str | int) -> None: ...

    def connection(self, *keys: str | int, name: str | None = None) -> Connector | None:
        """The configured connection named at ``keys`` (or ``name``, reported at ``keys``)."""

    def entity(self, *keys: str | int) -> bool:
        """Whether the canonical entity named at ``keys`` exists (reported when not)."""

    def steps(self, *keys: str | int, names: tuple[str, ...] = ()) -> None:
        """Check the nested steps at ``keys``; they also see ``names``."""

    def add(self, issues: Iterable[Issue]) -> None:
        """Problems found in another file the step reads, reported as they are."""


class Builder(Protocol):
    """What a kind's ``build`` gets from the builder for one step."""

    body: Any
    common: Mapping[str, Any]  # id, kind, when, location: what every Step takes
    recipe_file: str
    settings: Settings | None  # the hub's configuration (None: built without one, e.g. in a test)

    def value(self, *keys: str | int) -> Any: ...

    def expression(self, *keys: str | int, default: str | None = None) -> Expression | None:
        """The compiled JMESPath at ``keys``; ``default`` (source text) when absent, else None."""

    def template(self, *keys: str | int) -> Template: ...

    def connector(self, name: str) -> Connector: ...

    def action(self, connection: str, action: str) -> Action: ...

    def steps(self, *keys: str | int) -> tuple[Step, ...]:
        """The nested steps at ``keys``, built."""


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class StepKind:
    """One kind of step: its YAML key, the schema and documentation of its body, its checks
    and how it is built. ``nested`` names the body keys holding lists of steps (for_each:
    ``steps``); ``holds``: it can hold a run for a person (on_hold handlers then run);
    ``warn``: warnings about a valid step (``o2c-hub validate``), reported through ``Checks``."""

    name: str
    title: str
    description: str
    examples: tuple[Any, ...]
    body: Mapping[str, Any]
    check: Callable[[Any, Checks], None]
    build: Callable[[Any, Builder], Step]
    nested: tuple[str, ...] = ()
    holds: bool = False
    warn: Callable[[Any, Checks], None] | None = None

    @property
    def module(self) -> str:
        """Where the kind is written (a dotted module name)."""
        return self.build.__module__


def required_text(expr: Expression, data: Any, what: str) -> str:
    """The value of ``expr`` as text; FatalError when it is empty for this event."""
    value = expr(data)
    if value is None or value == "":
        raise FatalError(f"{what} '{expr.source}' is empty for this event")
    return str(value)


def truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null, empty string, list and object are false."""
    return value not in (None, False, "", [], {})


def input_property(*, default: str | None = None) -> dict[str, Any]:
    """The schema of a step's ``from:`` (the data it works on), as every kind documents it."""
    tail = f" (default: {default})." if default else "."
    return {
        "$ref": "#/$defs/expression",
        "title": "Input",
        "description": ("JMESPath selecting the data the step works on: `event` (the trigger's payload) or "
                        f"the id of an earlier step{tail}"),
        "examples": ["event", "order", "event.data.object"],
    }

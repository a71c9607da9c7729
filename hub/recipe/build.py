"""Build stage: a validated Recipe becomes runnable steps. Each step is built by its kind
(hub/pipeline/steps/<kind>.py) through :class:`_StepBuild`, which compiles expressions and
templates and resolves connection and action names, once; after this nothing looks a name up
again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jinja2 import Template

from hub.connector import Action, Connector
from hub.pipeline.functions import compile_expression
from hub.pipeline.registry import StepRegistry
from hub.pipeline.step import Expression, Step
from hub.pipeline.templates import compile_template
from hub.recipe import model

if TYPE_CHECKING:
    from hub.settings import Settings


@dataclass(frozen=True, slots=True, kw_only=True)
class BuiltRecipe:
    """A recipe ready to run: its model (for triggers, retry policy, hash) and its steps."""

    recipe: model.Recipe
    steps: tuple[Step, ...]
    on_failure: tuple[Step, ...]
    on_hold: tuple[Step, ...] = ()

    @property
    def slug(self) -> str:
        return self.recipe.slug


def build_recipe(recipe: model.Recipe, connections: Mapping[str, Connector], steps: StepRegistry | None = None,
                 *, settings: Settings | None = None) -> BuiltRecipe:
    """Build every step of ``recipe`` by its kind (of ``steps``, left out: every kind installed)
    against the configured ``connections`` and the rest of the hub's ``settings``."""
    builder = _Builder(connections, steps or StepRegistry.from_entry_points(), settings)
    return BuiltRecipe(
        recipe=recipe,
        steps=builder.steps(recipe.steps),
        on_failure=builder.steps(recipe.on_failure),
        on_hold=builder.steps(recipe.on_hold),
    )


class _Builder:
    def __init__(self, connections: Mapping[str, Connector], registry: StepRegistry, settings: Settings | None):
        self.connections, self.registry, self.settings = connections, registry, settings

    def steps(self, specs: tuple[model.StepSpec, ...]) -> tuple[Step, ...]:
        return tuple(self.registry.get(spec.kind).build(spec.body, _StepBuild(self, spec)) for spec in specs)


class _StepBuild:
    """What a kind's ``build`` gets for one step (hub.pipeline.step.Builder)."""

    def __init__(self, builder: _Builder, spec: model.StepSpec):
        self._builder = builder
        self.body = spec.body
        mark = spec.mark
        self.common = {"id": spec.id, "kind": spec.kind, "when": _compiled(spec.when.text) if spec.when else None,
                       "location": f"{mark.file}:{mark.line}:{mark.col}"}
        self.recipe_file = mark.file
        self.settings = builder.settings

    def value(self, *keys: str | int) -> Any:
        value = self.body
        for key in keys:
            value = value[key]
        return value

    def expression(self, *keys: str | int, default: str | None = None) -> Expression | None:
        text = self._find(keys)
        text = default if text is None else text
        return _compiled(text) if text is not None else None

    def template(self, *keys: str | int) -> Template:
        return compile_template(self.value(*keys))

    def connector(self, name: str) -> Connector:
        return self._builder.connections[name]

    def action(self, connection: str, action: str) -> Action:
        return self._builder.connections[connection].actions()[action]

    def steps(self, *keys: str | int) -> tuple[Step, ...]:
        return self._builder.steps(self.value(*keys))

    def _find(self, keys: tuple[str | int, ...]) -> Any:
        """The value at ``keys``, or None where the body has none."""
        value = self.body
        for key in keys:
            if isinstance(value, Mapping) and key in value:
                value = value[key]
            elif isinstance(value, (list, tuple)) and isinstance(key, int) and key < len(value):
                value = value[key]
            else:
                return None
        return value


def _compiled(text: str) -> Expression:
    return Expression(text, compile_expression(text))

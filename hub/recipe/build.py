"""Build stage: a validated Recipe becomes runnable steps. Every connection and action name is
resolved here, once, and every expression and template compiled; after this nothing looks a
name up again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.connector import Connector
from hub.pipeline import steps as run
from hub.o2c.credit.rules import Policy
from hub.pipeline import credit_steps, store_steps
from hub.pipeline.functions import compile_expression
from hub.pipeline.templates import compile_template
from hub.recipe import model


@dataclass(frozen=True, slots=True, kw_only=True)
class BuiltRecipe:
    """A recipe ready to run: its model (for triggers, retry policy, hash) and its steps."""

    recipe: model.Recipe
    steps: tuple[run.Step, ...]
    on_failure: tuple[run.Step, ...]
    on_hold: tuple[run.Step, ...] = ()

    @property
    def slug(self) -> str:
        return self.recipe.slug


def build_recipe(recipe: model.Recipe, connections: Mapping[str, Connector]) -> BuiltRecipe:
    """Resolve and compile every step of ``recipe`` against the configured ``connections``."""
    builder = _Builder(connections)
    return BuiltRecipe(
        recipe=recipe,
        steps=tuple(builder.step(s) for s in recipe.steps),
        on_failure=tuple(builder.step(s) for s in recipe.on_failure),
        on_hold=tuple(builder.step(s) for s in recipe.on_hold),
    )


class _Builder:
    def __init__(self, connections: Mapping[str, Connector]):
        self.connections = connections
        self._by_kind: dict[type, Callable[[Any], run.Step]] = {
            model.MapStep: self._map,
            model.ValidateStep: self._validate,
            model.FilterStep: self._filter,
            model.UpsertStep: self._upsert,
            model.LookupStep: self._lookup,
            model.QueryStep: self._query,
            model.CallStep: self._call,
            model.NotifyStep: self._notify,
            model.ForEachStep: self._for_each,
            model.CreditCheckStep: self._credit_check,
            model.ReconcileStep: self._reconcile,
        }

    def step(self, spec: Any) -> run.Step:
        return self._by_kind[type(spec)](spec)

    def _common(self, spec: Any) -> dict[str, Any]:
        mark = spec.mark
        return {"id": spec.id, "when": _expr(spec.when),
                "location": f"{mark.file}:{mark.line}:{mark.col}"}

    def _map(self, spec: model.MapStep) -> run.Step:
        if spec.using is not None:
            connection, name = spec.using
            return store_steps.ConnectorMapStep(
                **self._common(spec), using=".".join(spec.using), source=_expr(spec.source),
                function=self.connections[connection].mappings()[name], into=spec.into)
        return run.MapStep(**self._common(spec), expr=_expr(spec.expr),
                           source=_expr(spec.source), into=spec.into)

    def _validate(self, spec: model.ValidateStep) -> run.Step:
        return run.ValidateStep(**self._common(spec), schema=spec.schema,
                                source=_expr(spec.source))

    def _filter(self, spec: model.FilterStep) -> run.Step:
        return run.FilterStep(**self._common(spec), condition=_expr(spec.condition))

    def _upsert(self, spec: model.UpsertStep) -> run.Step:
        return run.UpsertStep(**self._common(spec), entity=spec.entity, source=_expr(spec.source),
                              ref_connection=spec.ref_connection, ref_id=_expr(spec.ref_id))

    def _lookup(self, spec: model.LookupStep) -> run.Step:
        return store_steps.LookupStep(
            **self._common(spec), entity=spec.entity, match=_expr(spec.match),
            ref_connection=spec.ref_connection, ref_id=_expr(spec.ref_id), required=spec.required)

    def _query(self, spec: model.QueryStep) -> run.Step:
        return store_steps.QueryStep(**self._common(spec), entity=spec.entity,
                                     where=dict(spec.where), overdue=spec.overdue, limit=spec.limit)

    def _call(self, spec: model.CallStep) -> run.Step:
        return run.CallStep(
            **self._common(spec), connection=spec.connection, action_name=spec.action,
            action=self._action(spec.connection, spec.action), payload=_expr(spec.with_),
            key=_expr(spec.key), options=dict(spec.options or {}), read_only=spec.read_only,
        )

    def _notify(self, spec: model.NotifyStep) -> run.Step:
        return run.NotifyStep(
            **self._common(spec), connection=spec.connection,
            template=compile_template(spec.text.text), channel=spec.channel, key=_expr(spec.key),
            action=self._action(spec.connection, "notify"),
        )

    def _for_each(self, spec: model.ForEachStep) -> run.Step:
        return run.ForEachStep(**self._common(spec), items=_expr(spec.items), as_=spec.as_,
                               steps=tuple(self.step(s) for s in spec.steps))

    def _credit_check(self, spec: model.CreditCheckStep) -> run.Step:
        p = spec.policy
        policy = Policy(tolerance=p.tolerance, max_overdue_days=p.max_overdue_days,
                        max_overdue_share=p.max_overdue_share, dunning_hold=p.dunning_hold,
                        new_customer_cap=p.new_customer_cap)
        return credit_steps.CreditCheckStep(**self._common(spec), order=_expr(spec.order), policy=policy,
                                            prepaid=_expr(p.prepaid))

    def _reconcile(self, spec: model.ReconcileStep) -> run.Step:
        return credit_steps.ReconcileStep(
            **self._common(spec), name=spec.name, left=_expr(spec.left), right=_expr(spec.right),
            key=_expr(spec.key), compare=tuple(_expr(c) for c in spec.compare), tolerance=spec.tolerance)

    def _action(self, connection: str, action: str) -> Any:
        return self.connections[connection].actions()[action]


def _expr(source: model.Expression | None) -> run.Expression | None:
    if source is None:
        return None
    return run.Expression(source.text, compile_expression(source.text))

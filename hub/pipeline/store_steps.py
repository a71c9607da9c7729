"""Steps that read the canonical store, and the map step that uses a connector's own mapping.

    lookup   one record by natural key or external ref (null, or a failure when required)
    query    a list of records by column values (invoices: overdue only, with days_overdue)
    map      ``using: shop.order``: the connector's tested vendor → canonical function
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.errors import FatalError
from hub.o2c import canonical
from hub.pipeline.context import RunContext
from hub.pipeline.steps import Expression, Step
from hub.store.queries import find_record, find_records


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupStep(Step):
    """``lookup: {entity: invoice, match: "{number: payment.invoice_number}", required: true}``."""

    entity: str
    match: Expression | None
    ref_connection: str | None
    ref_id: Expression | None
    required: bool
    kind = "lookup"

    def prepare(self, ctx: RunContext) -> Any:
        ref_id = self.ref_id(ctx.data) if self.ref_id else None
        return {"match": self.match(ctx.data) if self.match else None,
                "ref": [self.ref_connection, str(ref_id)] if ref_id not in (None, "") else None}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        ref = tuple(given["ref"]) if given["ref"] else None
        try:
            with ctx.sessions() as session:
                found = find_record(session, self.entity, match=given["match"], ref=ref)
        except KeyError as exc:
            raise FatalError(f"a {self.entity} lookup needs {exc.args[0]!r} in match") from None
        if found is None and self.required:
            raise FatalError(f"no {self.entity} matches {given['match'] or given['ref']}")
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryStep(Step):
    """``query: {entity: invoice, where: {status: [open, partially_paid]}, overdue: true}``."""

    entity: str
    where: Mapping[str, Any]
    overdue: bool
    limit: int
    kind = "query"

    def prepare(self, ctx: RunContext) -> Any:
        return {"entity": self.entity, "where": dict(self.where), "overdue": self.overdue}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        with ctx.sessions() as session:
            return find_records(session, self.entity, where=self.where, overdue=self.overdue,
                                limit=self.limit)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorMapStep(Step):
    """``map: {using: shop.order, into: sales_order}``: a connector's pure mapping function."""

    using: str
    function: Callable[[Any], Any]
    source: Expression
    into: str | None
    kind = "map"

    def prepare(self, ctx: RunContext) -> Any:
        return self.source(ctx.data)

    def execute(self, ctx: RunContext, given: Any) -> Any:
        try:
            result = self.function(given)
        except (KeyError, TypeError, ValueError) as exc:
            raise FatalError(f"mapping {self.using} cannot read this record: "
                             f"{type(exc).__name__}: {exc}") from exc
        return canonical.check(self.into, result) if self.into else result

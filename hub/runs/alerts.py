"""Failure alerts that always go out: when an ``on_failure`` notify text cannot be rendered.

A dead-lettered run is announced once. The recipe's own alert text is rendered from the run's
data, and that data is what went wrong often enough (an event with no ``name``, a list for a
body): a text that cannot be rendered would lose the alert. So each ``on_failure`` notify runs
guarded: if its text cannot be rendered, the hub sends its own text instead, built from values
the hub trusts (recipe, run id and URL, status, the run's masked error) and saying why the
recipe's text was not used. The step keeps its id and business key, so the idempotency ledger
still sends the alert once, whichever text it carries.

A step notify (not ``on_failure``) is not guarded: a text that cannot be rendered fails its run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.connector import RenderedText
from hub.errors import FatalError
from hub.pipeline.context import RunContext
from hub.pipeline.step import Step
from hub.pipeline.steps.notify import NotifyStep

log = logging.getLogger("o2c_hub.runs")

_NOT_RENDERED = "notification text could not be rendered: "


def guarded(handlers: Sequence[Step]) -> tuple[Step, ...]:
    """``handlers`` with every notify step sending a fallback text when its own cannot render."""
    return tuple(GuardedNotify.of(h) if isinstance(h, NotifyStep) else h for h in handlers)


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardedNotify(Step):
    """An ``on_failure`` notify whose text, if it cannot be rendered, is the hub's own."""

    notify: NotifyStep

    @classmethod
    def of(cls, notify: NotifyStep) -> GuardedNotify:
        return cls(id=notify.id, kind=notify.kind, when=notify.when, location=notify.location, notify=notify)

    def prepare(self, ctx: RunContext) -> Any:
        try:
            return self.notify.prepare(ctx)
        except FatalError as exc:
            reason = str(exc).removeprefix(_NOT_RENDERED)
            log.warning("run %s: the alert text of step %s could not be rendered; sending the hub's own",
                        ctx.run_id, self.id)
            return {"text": fallback_text(ctx, ctx.redactor.text(reason)), **self.notify.options}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        return self.notify.execute(ctx, given)


def fallback_text(ctx: RunContext, reason: str) -> RenderedText:
    """The hub's alert for a dead run: its own words kept, every value escaped by the channel.

    Only the run's record goes in (never the event's data); its error is already masked.
    """
    run = ctx.data["run"]
    return RenderedText.of([
        (False, "Recipe "), (True, run["recipe"]), (False, ": run "), (True, str(run["id"])),
        (False, " is dead after "), (True, str(run["attempt"])), (False, " attempt(s): "),
        (True, run.get("error") or "no error was recorded"), (False, " "), (True, run["url"]),
        (False, " (the recipe's alert text could not be rendered: "), (True, reason), (False, ")"),
    ])

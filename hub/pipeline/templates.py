"""Notification text: Jinja templates in the sandbox, so a recipe can format but never execute.

What the template's author wrote and what the run's data put in are kept apart: every
``{{ … }}`` output is marked while rendering, and :func:`render` returns a
:class:`connectors.base.RenderedText` whose ``parts`` say which is which. The channel escapes
the values for its own markup (Slack: ``&``, ``<``, ``>``), so a customer named
``<!channel>`` pings nobody while ``<{{ run.url }}|the run>`` in the template stays a link.
Text that a macro or a ``{% set %}`` block builds and a ``{{ … }}`` then outputs counts as a
value as a whole.

A missing value fails the rendering wherever it is used (output, test, loop), so a recipe whose
text names a field the event lacks fails clearly; a lookup into a missing value is still missing,
so ``{{ event.customer.name | default('(no name)') }}`` works on any depth.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hub.connector import RenderedText
from hub.errors import FatalError

# Private-use characters around each substituted value while rendering; never in the result.
VALUE_START, VALUE_END = "\ue000", "\ue001"


class _Missing(ChainableUndefined, StrictUndefined):
    """Strict when used, chainable when looked into: ``a.b.c`` of a missing ``a`` is missing
    (and its error names ``a``), so ``default`` and ``is defined`` work on deep paths."""

    __slots__ = ()


def _money(value: Any, places: int = 2) -> str:
    """``{{ amount | money }}`` → 1,234.50 (exact: never through float)."""
    try:
        amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    except ArithmeticError:
        raise ValueError("the money filter was given something that is not an amount") from None
    return f"{amount:,}"


def _unmarked(text: str) -> str:
    return text.replace(VALUE_START, "").replace(VALUE_END, "")


def _mark_value(value: Any) -> str:
    """Jinja's ``finalize``: every ``{{ … }}`` output, framed as a value."""
    return VALUE_START + _unmarked(str(value)) + VALUE_END


def make_environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=_Missing, autoescape=False, finalize=_mark_value)
    env.filters["money"] = _money
    return env


_ENV = make_environment()


def compile_template(text: str) -> Template:
    """Compile once at build time (syntax errors are caught earlier, by recipe validation)."""
    return _ENV.from_string(_unmarked(text))


def render(template: Template, data: dict[str, Any]) -> RenderedText:
    """Render with the run's data; a missing value, or any other failure, is a FatalError naming it."""
    try:
        marked = template.render(data)
    except Exception as exc:  # a missing value, a type error, a filter's complaint: all one failure
        raise FatalError(f"notification text could not be rendered: {exc}") from exc
    return RenderedText.of(split_values(marked))


def split_values(marked: str) -> list[tuple[bool, str]]:
    """``(is_value, text)`` parts of a marked rendering. A value whose end mark a filter cut
    off runs to the end, so an unbalanced mark errs on the side of escaping."""
    head, *chunks = marked.split(VALUE_START)
    parts = [(False, _unmarked(head))]
    for chunk in chunks:
        value, _, literal = chunk.partition(VALUE_END)
        parts += [(True, value), (False, _unmarked(literal))]
    return parts

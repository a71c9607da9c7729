"""Notification text: Jinja templates in the sandbox, so a recipe can format but never execute."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hub.errors import FatalError


def _money(value: Any, places: int = 2) -> str:
    """``{{ amount | money }}`` → 1,234.50 (exact: never through float)."""
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return f"{amount:,}"


def make_environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters["money"] = _money
    return env


_ENV = make_environment()


def compile_template(text: str) -> Template:
    """Compile once at build time (syntax errors are caught earlier, by recipe validation)."""
    return _ENV.from_string(text)


def render(template: Template, data: dict[str, Any]) -> str:
    """Render with the run's data; a missing value is a FatalError naming it."""
    try:
        return template.render(data)
    except TemplateError as exc:
        raise FatalError(f"notification text could not be rendered: {exc}") from exc

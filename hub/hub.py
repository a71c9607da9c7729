"""The hub: configuration, connections, built recipes and the store, wired together once.

``Hub.from_config(path)`` is what the CLI, the web app and the tests start from; nothing in
o2c-hub reaches for a global.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from sqlalchemy import select

from hub.canonical import known_entities
from hub.errors import ConfigError, Issue
from hub.metrics import HubMetrics
from hub.pipeline.registry import StepRegistry
from hub.recipe.build import BuiltRecipe, build_recipe
from hub.recipe.load import load_recipe
from hub.recipe.model import WebhookTrigger
from hub.redact import RedactingFilter, Redactor
from hub.registry import ConnectorRegistry
from hub.settings import Settings, load_settings
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.platform import RecipeVersion
from hub.store.writer import Writer

log = logging.getLogger("o2c_hub")


class Hub:
    """One configured o2c-hub: everything a run, a request or a command needs."""

    def __init__(self, settings: Settings, recipes: Mapping[str, BuiltRecipe], steps: StepRegistry | None = None):
        self.settings = settings
        self.steps = steps or StepRegistry.from_entry_points()  # the step kinds its recipes may use
        self.connections = settings.connections
        self.recipes = MappingProxyType(dict(recipes))
        self.redactor = Redactor(settings.secrets)
        self.engine = make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine)
        # group commit for the inbox and the workers, started by the server and worker processes
        self.writer = Writer(self.sessions)
        self.metrics = HubMetrics(self.sessions, self.recipes)  # served at /metrics
        self.wake: Callable[[], None] = lambda: None  # set by the worker pool when running
        self.admit: Callable[[], None] = lambda: None  # likewise: holds webhooks while runs pile up

    @classmethod
    def from_config(cls, path: str | Path, registry: ConnectorRegistry | None = None,
                    steps: StepRegistry | None = None) -> Hub:
        """Load the config file and every recipe it names; ConfigError lists all problems.
        ``registry`` and ``steps`` default to the connectors and step kinds installed."""
        return cls.from_settings(load_settings(path, registry or ConnectorRegistry.from_entry_points()), steps)

    @classmethod
    def from_settings(cls, settings: Settings, steps: StepRegistry | None = None) -> Hub:
        """The hub of settings already loaded, with every recipe they name."""
        steps = steps or StepRegistry.from_entry_points()
        return cls(settings, load_recipes(settings, steps), steps)

    def migrate(self) -> None:
        """Bring the database schema up to date and remember the recipe versions loaded."""
        upgrade(self.settings.database_url)
        self.remember_recipe_versions()

    def remember_recipe_versions(self) -> None:
        with self.sessions.begin() as session:
            known = set(session.scalars(select(RecipeVersion.hash)))
            for built in self.recipes.values():
                r = built.recipe
                if r.hash not in known:
                    session.add(RecipeVersion(hash=r.hash, recipe=r.slug, path=r.path, text=r.text))

    def recipes_for_webhook(self, connection: str, topic: str | None) -> list[BuiltRecipe]:
        """Recipes triggered by a webhook on ``connection`` (and ``topic``, when they name one)."""
        return [
            b for b in self.recipes.values()
            if isinstance(b.recipe.trigger, WebhookTrigger)
            and b.recipe.trigger.connection == connection
            and b.recipe.trigger.takes(topic)
        ]

    def run_url(self, run_id: int) -> str:
        return f"{self.settings.public_url}/api/v1/runs/{run_id}"

    def install_log_redaction(self) -> None:
        """Mask this configuration's secrets in everything logged from now on."""
        flt = RedactingFilter(self.redactor)
        for handler in logging.getLogger().handlers:
            handler.addFilter(flt)

    def close(self) -> None:
        self.writer.stop()
        for connection in self.connections.values():
            connection.close()
        self.engine.dispose()


def _shown(path: Path) -> Path:
    """Relative to where the command runs when inside it: messages name files as people type them."""
    cwd = Path.cwd()
    return path.relative_to(cwd) if path.is_relative_to(cwd) else path


def load_recipes(settings: Settings, steps: StepRegistry) -> dict[str, BuiltRecipe]:
    """Load, validate and build every recipe file; raise ConfigError with every problem."""
    issues: list[Issue] = []
    built: dict[str, BuiltRecipe] = {}
    entities = known_entities()
    for path in settings.recipe_paths():
        try:
            recipe = load_recipe(_shown(path), connections=settings.connections,
                                 entities=entities, steps=steps)
        except ConfigError as exc:
            issues += exc.issues
            continue
        if recipe.slug in built:
            first = built[recipe.slug].recipe.path
            issues.append(Issue(file=str(path), line=recipe.mark.line, col=recipe.mark.col,
                                path="recipe", message=f"recipe {recipe.slug!r} is also defined in {first}"))
            continue
        built[recipe.slug] = build_recipe(recipe, settings.connections, steps, settings=settings)
    if issues:
        raise ConfigError(issues)
    return built

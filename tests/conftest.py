"""Fixtures shared across the suite: an in-process hub on a temporary SQLite database, and a
session on a fresh in-memory store (a test module may seed its own under the same name)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.hub import Hub  # loads every table into the metadata
from hub.store.base import Base, make_engine, make_sessionmaker


@pytest.fixture
def session():
    """A session on a fresh in-memory store with every table."""
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def make_hub(tmp_path: Path):
    """Build a migrated Hub from connections and recipe texts (with a connector ``registry`` and
    the step kinds of ``steps``, when given); closed at the end."""
    made: list[Hub] = []

    def make(connections: dict, recipes: dict[str, str], registry=None, steps=None, **extra) -> Hub:
        (tmp_path / "recipes").mkdir(exist_ok=True)
        for name, text in recipes.items():
            (tmp_path / "recipes" / name).write_text(text)
        config = {"database": "sqlite:///hub.db", "recipes": ["recipes/*.yaml"],
                  "admin": {"token": "unit-admin-token"}, "connections": connections, **extra}
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        hub = Hub.from_config(path, registry, steps)
        hub.migrate()
        made.append(hub)
        return hub

    yield make
    for hub in made:
        hub.close()

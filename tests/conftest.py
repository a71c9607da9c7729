"""Fixtures shared across the suite: an in-process hub on a temporary SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.hub import Hub


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

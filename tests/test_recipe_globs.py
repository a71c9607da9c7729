"""The config's ``recipes:`` globs: relative to the config file (not to where the command runs),
or absolute; ``**`` reaches into sub-folders; a folder that matches is no recipe."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.registry import ConnectorRegistry
from hub.settings import load_settings

REGISTRY = ConnectorRegistry.from_entry_points()


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """site/config.yaml beside site/recipes/, shared/ beside site/, and elsewhere/ as the working directory."""
    for name in ("site/recipes/a.yaml", "site/recipes/b.yml", "site/recipes/deep/c.yaml", "shared/s.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "site" / "recipes" / "folder.yaml").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return tmp_path


def paths(tree: Path, globs: list[str]) -> list[str]:
    config = tree / "site" / "config.yaml"
    config.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": globs}))
    return [str(p.relative_to(tree)) for p in load_settings(config, REGISTRY, environ={}).recipe_paths()]


@pytest.mark.parametrize("globs, found", [
    (["recipes/*.yaml"], ["site/recipes/a.yaml"]),
    (["recipes/*.yaml", "recipes/*.yml", "recipes/a.yaml"], ["site/recipes/a.yaml", "site/recipes/b.yml"]),
    (["recipes/**/*.yaml"], ["site/recipes/a.yaml", "site/recipes/deep/c.yaml"]),
    (["../shared/*.yaml"], ["shared/s.yaml"]),
    (["recipes/none-*.yaml"], []),
], ids=["relative", "several-once-each", "recursive", "parent-folder", "no-match"])
def test_a_relative_glob_is_relative_to_the_config_file(tree, globs, found):
    assert paths(tree, globs) == found


def test_an_absolute_glob_names_files_wherever_they_are(tree):
    assert paths(tree, [f"{tree}/shared/*.yaml", f"{tree}/site/recipes/*.y*ml"]) == [
        "shared/s.yaml", "site/recipes/a.yaml", "site/recipes/b.yml"]

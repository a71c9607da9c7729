"""Dependencies point one way: the import contracts of pyproject.toml ([tool.importlinter]) hold.

    layers                       cli → web → runs → recipe → pipeline → o2c → store → foundation
    core-without-connectors      the core finds connector kinds through the registry only
    connectors-use-the-contract  connectors import hub.connector and friends, not the engine
    store-stores                 canonical records are written through hub.o2c.records

On failure import-linter's report (printed above the assertion) names each import that breaks
a contract and the chain of imports that leads there.
"""

from __future__ import annotations

from pathlib import Path

import importlinter.cli  # noqa: F401 (sets up import-linter; its command would also reset the logging config)
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)  # the contracts name the packages of this checkout
    monkeypatch.syspath_prepend(str(ROOT))
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)

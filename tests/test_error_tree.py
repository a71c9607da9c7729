"""One error tree: every error class of hub/ and connectors/ lives in hub/errors.py, drawn in its
docstring and in docs/architecture.md exactly as the classes inherit."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import hub.errors

ROOT = Path(__file__).resolve().parents[1]
# Exceptions kept outside the tree on purpose (the reason is in hub/errors.py's docstring).
OUTSIDE_THE_TREE = {
    "Filtered": "a false filter ends its run successfully; never leaves the runner",
    "FunctionError": "jmespath reports a bad function call only through its own base class",
    "UsageFailure": "click shows a command typed wrong through its own ClickException",
    "_SessionExpired": "the Tryton client's private signal to log in again",
    "_AcceptedWarning": "the Tryton client's private signal to confirm a warning",
    "OdooError": "raised inside the Odoo sandbox, answered as Odoo's JSON-RPC error",
    "SoqlError": "raised inside the Salesforce sandbox, answered as Salesforce's error",
}


def _hub_errors() -> dict[str, type]:
    return {name: cls for name, cls in vars(hub.errors).items()
            if inspect.isclass(cls) and issubclass(cls, hub.errors.HubError)}


def _drawn_parents(text: str) -> dict[str, str | None]:
    """{class: its parent} as the tree drawing that starts with a line ``HubError`` shows them."""
    lines = text.splitlines()
    first = next(n for n, line in enumerate(lines) if line.strip() == "HubError")
    parents: dict[str, str | None] = {"HubError": None}
    stack = [(lines[first].index("HubError"), "HubError")]
    for line in lines[first + 1:]:
        if not line.strip() or line[0] not in " │├└":
            break  # the drawing ended
        if "── " not in line:
            continue  # a description carried over to the next line
        column = line.index("── ") + 3
        name = re.match(r"\w+", line[column:]).group()
        while stack[-1][0] >= column:
            stack.pop()
        parents[name] = stack[-1][1]
        stack.append((column, name))
    return parents


def _exception_classes(path: Path) -> list[str]:
    """Classes of ``path`` deriving from an exception, judged by their bases' names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = set(_hub_errors()) | {"Exception", "BaseException"}
    found: list[str] = []
    changed = True
    while changed:  # a class may derive from one defined further down the file
        changed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name not in found and any(
                    _is_exception(base, known) for base in node.bases):
                found.append(node.name)
                known.add(node.name)
                changed = True
    return found


def _is_exception(base: ast.expr, known: set[str]) -> bool:
    name = ast.unparse(base).rsplit(".", 1)[-1]
    return name in known or name.endswith(("Error", "Exception"))


def test_every_error_class_lives_in_hub_errors():
    strays = []
    for path in sorted([*(ROOT / "hub").rglob("*.py"), *(ROOT / "connectors").rglob("*.py")]):
        if path == ROOT / "hub" / "errors.py":
            continue
        strays += [f"{path.relative_to(ROOT)}: {name}" for name in _exception_classes(path)
                   if name not in OUTSIDE_THE_TREE]
    assert strays == [], "define error classes in hub/errors.py (and draw them in its tree)"


@pytest.mark.parametrize("where", ["hub/errors.py", "docs/architecture.md"])
def test_the_drawn_tree_is_the_class_tree(where):
    text = hub.errors.__doc__ if where == "hub/errors.py" else (ROOT / where).read_text(encoding="utf-8")
    drawn = _drawn_parents(text)
    actual = {name: (cls.__bases__[0].__name__ if name != "HubError" else None)
              for name, cls in _hub_errors().items()}
    assert drawn == actual

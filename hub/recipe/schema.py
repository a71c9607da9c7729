"""The recipe JSON Schema: hub/schemas/recipe.schema.json, with its step kinds' parts made from
their modules.

The file is the reference documentation of the recipe format. What concerns a recipe as a
whole (recipe, trigger, tables, retry, on_failure, on_hold, retention, the shared ``$defs``) is
written in it by hand; the parts about step kinds are made from the kinds (StepKind, one module
each in hub/pipeline/steps/) and each carries a ``$comment`` saying so:

    $defs/<kind>_spec   the kind's body (StepKind.body)
    $defs/<kind>_step   a step of that kind: id, when and the kind's key with its documentation
    $defs/step          one of those steps, in the registry's order

Recipes are validated against :func:`recipe_schema`: the file with these parts made from the
hub's own registry, so a kind installed through the ``o2c_hub.steps`` entry points is checked
like a built-in. tests/recipe/test_schema_file.py checks that the file is what the built-in
kinds make; after adding or changing one, write it again with ``python -m hub.recipe.schema``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from hub import SCHEMAS
from hub.pipeline.registry import StepRegistry
from hub.pipeline.step import StepKind

PATH = SCHEMAS / "recipe.schema.json"
#: How the ``$comment`` of every part made from the kinds starts.
MADE = "made from "

STEP_ID = {
    "$ref": "#/$defs/step_id",
    "title": "Step id",
    "description": (
        "Names the step; later steps, conditions and templates refer to its result by this name. Lower-case "
        "letters, digits and _, starting with a letter or _; unique in the recipe (nested for_each steps "
        "included)."
    ),
    "examples": ["order", "erp_order", "lines"],
}
STEP_WHEN = {
    "$ref": "#/$defs/expression",
    "title": "Condition",
    "description": (
        "JMESPath evaluated before the step; when the result is false, null, empty or zero the step is "
        "skipped and its result is null."
    ),
    "examples": ["event.test == `false`", "order.total_amount != '0.00'"],
}


def recipe_schema(registry: StepRegistry) -> dict[str, Any]:
    """The schema recipes are validated against, with ``registry``'s kinds (do not modify it)."""
    return _made(registry.kinds())


@lru_cache(maxsize=8)
def _made(kinds: tuple[StepKind, ...]) -> dict[str, Any]:
    return assemble(_file(), kinds)


@lru_cache(maxsize=1)
def _file() -> dict[str, Any]:
    return json.loads(PATH.read_text(encoding="utf-8"))


def assemble(base: dict[str, Any], kinds: tuple[StepKind, ...]) -> dict[str, Any]:
    """``base`` with its step kinds' parts (any it has) replaced by those of ``kinds``."""
    defs = {name: part for name, part in base["$defs"].items() if not _made_part(part)}
    defs["step"] = {
        "$comment": f"{MADE}the step registry (hub/pipeline/registry.py)",
        "type": "object",
        "title": "Step",
        "description": ("One step: an id, an optional condition and exactly one kind "
                        f"({', '.join(kind.name for kind in kinds)})."),
        "oneOf": [{"$ref": f"#/$defs/{kind.name}_step"} for kind in kinds],
    }
    for kind in kinds:
        defs[f"{kind.name}_spec"] = {"$comment": f"{MADE}{kind.module}", **kind.body}
        defs[f"{kind.name}_step"] = _step(kind)
    return {**base, "$defs": defs}


def _step(kind: StepKind) -> dict[str, Any]:
    key = {"$ref": f"#/$defs/{kind.name}_spec", "title": kind.title, "description": kind.description,
           "examples": list(kind.examples)}
    return {
        "$comment": f"{MADE}{kind.module}",
        "type": "object",
        "required": ["id", kind.name],
        "additionalProperties": False,
        "properties": {"id": STEP_ID, "when": STEP_WHEN, kind.name: key},
        "title": f"{kind.name} step",
        "description": kind.description,
    }


def _made_part(part: Any) -> bool:
    return isinstance(part, dict) and str(part.get("$comment", "")).startswith(MADE)


def file_text(registry: StepRegistry) -> str:
    """What hub/schemas/recipe.schema.json holds for ``registry``'s kinds."""
    return json.dumps(recipe_schema(registry), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    PATH.write_text(file_text(StepRegistry.builtin()), encoding="utf-8")
    print(f"wrote {PATH}")

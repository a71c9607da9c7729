"""hub/schemas/recipe.schema.json, the reference documentation of recipes, is what the built-in
step kinds make of it: their parts come from their modules, the rest is written in the file."""

from __future__ import annotations

import json

from hub.pipeline.registry import StepRegistry
from hub.recipe.schema import MADE, PATH, assemble, file_text


def test_the_file_is_what_the_built_in_kinds_make():
    assert PATH.read_text(encoding="utf-8") == file_text(StepRegistry.builtin()), (
        "hub/schemas/recipe.schema.json is out of date: write it again with `python -m hub.recipe.schema`")


def test_each_kind_has_its_body_and_its_step_made_from_its_module():
    defs = json.loads(PATH.read_text(encoding="utf-8"))["$defs"]
    for kind in StepRegistry.builtin():
        assert defs[f"{kind.name}_spec"]["$comment"] == f"{MADE}hub.pipeline.steps.{kind.name}"
        step = defs[f"{kind.name}_step"]
        assert (step["required"], step["properties"][kind.name]["$ref"]) == (["id", kind.name],
                                                                           f"#/$defs/{kind.name}_spec")
    assert [ref["$ref"] for ref in defs["step"]["oneOf"]] == [
        f"#/$defs/{name}_step" for name in StepRegistry.builtin().names()]


def test_made_parts_are_made_again_and_written_parts_kept():
    base = json.loads(PATH.read_text(encoding="utf-8"))
    base["$defs"]["gone_spec"] = {"$comment": f"{MADE}a kind no longer registered", "type": "object"}
    kinds = StepRegistry.builtin().kinds()[:2]
    made = assemble(base, kinds)
    assert "gone_spec" not in made["$defs"] and "filter_spec" not in made["$defs"]
    assert made["$defs"]["step"]["oneOf"] == [{"$ref": "#/$defs/map_step"}, {"$ref": "#/$defs/validate_step"}]
    assert made["$defs"]["failure_notify_step"] == base["$defs"]["failure_notify_step"]
    assert made["properties"] == base["properties"]

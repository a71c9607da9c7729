"""hub.yamldoc: plain data, positions, duplicate keys, syntax errors and schema messages."""

from __future__ import annotations

import pytest

from hub.errors import ConfigError
from hub.yamldoc import load_document, schema_issues

TEXT = """\
name: demo
items:
  - sku: A-1
    qty: 2
  - {sku: B-2, qty: 1}
when: 2024-03-01
on: yes
"""


def test_data_is_plain_python():
    doc = load_document(TEXT, "d.yaml")
    assert doc.data == {"name": "demo", "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}],
                        "when": "2024-03-01", "on": True}
    assert doc.issues == []


@pytest.mark.parametrize(("path", "position"), [
    (("items", 0, "qty"), (4, 10)),       # a value: the value itself
    (("items", 1, "sku"), (5, 11)),       # inside a flow mapping
    (("items", 1, "price"), (5, 5)),      # a missing key: the mapping that should hold it
    (("items", 7), (3, 3)),               # a missing index: the list
    ((), (1, 1)),
], ids=["value", "flow", "missing-key", "missing-index", "root"])
def test_locate(path, position):
    assert load_document(TEXT, "d.yaml").locate(path) == position


def test_locate_key_points_at_the_key():
    doc = load_document(TEXT, "d.yaml")
    assert doc.locate_key(("items", 0, "qty")) == (4, 5)
    assert doc.locate_key(("items", 0, "nope")) == (3, 5)


def test_duplicate_keys_are_issues():
    doc = load_document("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "d.yaml")
    assert [str(i) for i in doc.issues] == [
        "d.yaml:4:3: b/c: duplicate key 'c' (first on line 3)",
        "d.yaml:5:1: a: duplicate key 'a' (first on line 1)",
    ]


def test_python_tags_are_refused():
    doc = load_document("cmd: !!python/object/apply:os.system [ls]\n", "d.yaml")
    assert [i.message for i in doc.issues] == ["the YAML tag '!!python/object/apply:os.system' is not allowed"]


def test_syntax_error_position():
    with pytest.raises(ConfigError) as caught:
        load_document("a: 1\nb: [1, 2\nc: 3\n", "d.yaml")
    (issue,) = caught.value.issues
    assert (issue.line, issue.col, issue.path) == (3, 2, "")
    assert issue.message.startswith("invalid YAML: expected ',' or ']'")


def test_empty_document():
    doc = load_document("", "d.yaml")
    assert doc.data is None and doc.locate(("x",)) == (1, 1)


SCHEMA = {
    "type": "object",
    "required": ["name", "connection"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "connection": {"type": "string"},
        "items": {"type": "array", "items": {"oneOf": [
            {"type": "object", "required": ["sku"], "additionalProperties": False,
             "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}}},
            {"type": "object", "required": ["note"], "additionalProperties": False,
             "properties": {"note": {"type": "string"}}},
        ]}},
    },
}


def test_schema_issues_are_readable_and_sorted():
    doc = load_document("name: [a]\nmapp: 1\nitems:\n  - {sku: A, qty: 0}\n  - {nte: x}\n  - 4\n", "d.yaml")
    assert [str(i) for i in schema_issues(doc.data, SCHEMA, doc, doc.file)] == [
        "d.yaml:1:1: /: missing required key 'connection'",
        "d.yaml:1:7: name: must be a string, not a list",
        "d.yaml:2:1: mapp: unknown key 'mapp' (allowed: name, connection, items)",
        "d.yaml:4:19: items/0/qty: must be at least 1, not 0",
        "d.yaml:5:6: items/1/nte: unknown key 'nte' (expected one of: sku, note)",
        "d.yaml:6:5: items/2: must be a mapping, not a number",
    ]


@pytest.mark.parametrize(("minimum", "message"), [(1, "must name at least one key"), (2, "must name at least 2 keys")])
def test_an_empty_mapping_where_keys_are_needed_is_said_plainly(minimum, message):
    schema = {"type": "object", "properties": {"found_when": {"type": "object", "minProperties": minimum}}}
    doc = load_document("found_when: {}\n", "c.yaml")
    assert [str(i) for i in schema_issues(doc.data, schema, doc, doc.file)] == [f"c.yaml:1:13: found_when: {message}"]

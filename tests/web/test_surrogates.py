"""JSON that escapes a surrogate not half of a pair (``"\\ud800"``) parses to text with no UTF-8
form: a signed webhook holding one is stored dead-lettered, an admin body is refused with 400,
and a run stored with one before these checks is still shown."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.runs import queue
from hub.runs.executor import execute
from hub.store.base import utcnow
from hub.store.platform import Event, Run
from tests.web.conftest import AUTH, signed, store_contents

NOT_UNICODE = "the body holds text that is not valid Unicode (an unpaired surrogate {} at character {})"

BROKEN = [
    ("value", rb'{"id": 1, "name": "a\ud800b"}', "\\ud800", 21),
    ("key", rb'{"id": 1, "\udc00": "x"}', "\\udc00", 12),
    ("low half alone", rb'{"name": "\ude00"}', "\\ude00", 11),
    ("high half at the end", rb'{"name": "x\uD83D"}', "\\uD83D", 12),
    ("high half then a letter", rb'[{"name": "\ud83d\u0041"}]', "\\ud83d", 12),
    ("halves reversed", rb'{"name": "\ude00\ud83d"}', "\\ude00", 11),
    ("second of two strings", rb'{"a": "\ud83d\ude00", "b": "\\", "c": "\udbff"}', "\\udbff", 40),
]
FINE = [
    ("a pair", rb'{"name": "\ud83d\ude00"}'),
    ("an escaped backslash", rb'{"name": "\\ud800"}'),
    ("raw UTF-8", '{"name": "caf\u00e9 \U0001f600"}'.encode()),
]


@pytest.mark.parametrize(("body", "escape", "at"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_a_signed_body_with_unpaired_surrogates_is_dead_lettered(hub, client, body, escape, at):
    reason = NOT_UNICODE.format(escape, at)
    answer = client.post("/webhooks/shop", data=body, headers=signed(body, f"surrogate-{hash(body)}"))
    assert answer.status_code == 202, answer.data
    assert answer.get_json()["dead_letter"] == reason
    with hub.sessions() as session:
        [run] = session.get(Event, answer.get_json()["event_id"]).runs
        assert (run.status, run.error_message) == ("dead", f"unusable webhook: {reason}")


@pytest.mark.parametrize("body", [c[1] for c in FINE], ids=[c[0] for c in FINE])
def test_valid_text_is_queued(hub, client, body):
    answer = client.post("/webhooks/shop", data=body, headers=signed(body, f"fine-{hash(body)}"))
    assert answer.status_code == 202 and "dead_letter" not in answer.get_json()
    with hub.sessions() as session:
        assert session.get(Run, answer.get_json()["runs"][0]).status == "queued"


ADMIN_BODIES = [
    ("/api/v1/credit/SO-1/reject", rb'{"reason": "a\ud800b"}', 14),
    ("/api/v1/cash-application/proposals/1/reject", rb'{"reason": "ok", "by\udfff": 1}', 21),
    ("/api/v1/cash-application/apply", rb'{"payment": {"reference": "\udbff"}}', 28),
]


@pytest.mark.parametrize(("url", "body", "at"), ADMIN_BODIES, ids=[u for u, _, _ in ADMIN_BODIES])
def test_an_admin_body_with_unpaired_surrogates_is_refused(hub, client, url, body, at):
    before = store_contents(hub)
    answer = client.post(url, data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert answer.status_code == 400, answer.data
    escape = body.decode()[at - 1:at + 5]
    assert answer.get_json()["error"] == NOT_UNICODE.format(escape, at)
    assert store_contents(hub) == before


def stored_unchecked(hub, body: bytes) -> int:
    """A queued run whose event was stored before bodies were checked for surrogates."""
    built = hub.recipes["shop-orders"]
    now = utcnow()
    with hub.sessions.begin() as session:
        event = Event(source="webhook", connection="shop", topic="orders/create", headers={},
                      dedupe_key=f"old-{hash(body)}", body=body, received_at=now)
        run = Run(recipe=built.slug, recipe_hash=built.recipe.hash, event=event)
        session.add_all([event, run])
        session.flush()
        return run.id


def test_a_stored_run_with_unpaired_surrogates_is_shown(hub, client, tmp_path):
    run_id = stored_unchecked(hub, rb'{"id": 7, "name": "a\ud800b", "\udc01": 1}')
    answer = client.get(f"/api/v1/runs/{run_id}", headers=AUTH)
    assert answer.status_code == 200, answer.data
    assert b'"a\\ud800b"' in answer.data
    assert answer.get_json()["event"]["payload"] == {"id": 7, "name": "a\ud800b", "\udc01": 1}
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"database": str(hub.engine.url), "recipes": []}))
    printed = CliRunner().invoke(main, ["--config", str(config), "runs", "show", str(run_id)])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output)["event"]["payload"]["name"] == "a\ud800b"


def test_a_stored_run_with_unpaired_surrogates_runs_to_its_end(hub, client):
    run_id = stored_unchecked(hub, rb'{"id": 8, "name": "a\ud800b"}')
    assert execute(hub, queue.claim_run(hub.sessions, queue.new_owner(), run_id)) == "succeeded"
    answer = client.get(f"/api/v1/runs/{run_id}", headers=AUTH)
    assert answer.status_code == 200, answer.data
    assert answer.get_json()["steps"][0]["status"] == "succeeded"

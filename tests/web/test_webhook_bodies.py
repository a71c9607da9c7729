"""Signed webhooks whose body cannot be processed are stored with their runs dead, never a 5xx."""

from __future__ import annotations

import pytest

from hub.store.platform import Event, Run
from tests.web.conftest import AUTH, SIGNATURE_HEADER, signed

UNUSABLE = [
    ("1000 levels", b"[" * 1000 + b"]" * 1000, "the body nests deeper than 64 levels"),
    ("100000 levels", b"[" * 100_000 + b"]" * 100_000, "the body nests deeper than 64 levels"),
    ("65 levels of objects", b'{"a":' * 65 + b"1" + b"}" * 65, "the body nests deeper than 64 levels"),
    ("unbalanced", b"[" * 5000, "the body nests deeper than 64 levels"),
    ("not JSON", b"order=1", "the body is not JSON"),
    ("empty", b"", "the body is empty"),
    ("a JSON string", b'"x"', "the body is JSON but neither an object nor an array"),
    ("a JSON number", b"12", "the body is JSON but neither an object nor an array"),
    ("invalid UTF-8", b'{"name": "\xff\xfe"}', "the body is not UTF-8"),
]


@pytest.mark.parametrize(("body", "reason"), [c[1:] for c in UNUSABLE], ids=[c[0] for c in UNUSABLE])
def test_signed_unusable_body_is_stored_and_its_run_dead(hub, client, body, reason):
    delivery = f"unusable-{len(body)}-{hash(body)}"
    answer = client.post("/webhooks/shop", data=body, headers=signed(body, delivery))
    assert answer.status_code == 202, answer.data
    assert answer.get_json()["dead_letter"] == reason
    with hub.sessions() as session:
        event = session.get(Event, answer.get_json()["event_id"])
        assert event.body == body
        [run] = event.runs
        assert (run.status, run.error_class, run.error_message) == ("dead", "FatalError", f"unusable webhook: {reason}")
        assert run.id == answer.get_json()["runs"][0]
    again = client.post("/webhooks/shop", data=body, headers=signed(body, delivery))
    assert again.status_code == 200
    assert again.get_json()["runs"] == answer.get_json()["runs"]


def test_depth_limit_is_inclusive_and_arrays_are_usable(hub, client):
    body = b'{"a":' * 63 + b"[1]" + b"}" * 63
    answer = client.post("/webhooks/shop", data=body, headers=signed(body, "sixty-four"))
    assert answer.status_code == 202 and "dead_letter" not in answer.get_json()
    with hub.sessions() as session:
        assert session.get(Run, answer.get_json()["runs"][0]).status == "queued"
    batch = b'[{"eventId": 1}]'
    assert "dead_letter" not in client.post("/webhooks/shop", data=batch, headers=signed(batch, "batch")).get_json()


def test_brackets_inside_strings_do_not_count(client):
    body = b'{"note": "' + b"[{" * 500 + b'\\" ]"}'
    answer = client.post("/webhooks/shop", data=body, headers=signed(body, "strings"))
    assert answer.status_code == 202 and "dead_letter" not in answer.get_json()


def test_unsigned_deep_body_is_rejected_and_not_stored(hub, client):
    body = b"[" * 1000 + b"]" * 1000
    with hub.sessions() as session:
        events = session.query(Event).count()
    answer = client.post("/webhooks/shop", data=body, headers={**signed(body, "forged"), SIGNATURE_HEADER: "bad"})
    assert answer.status_code == 401
    with hub.sessions() as session:
        assert session.query(Event).count() == events


def test_a_too_deep_event_is_shown_without_payload_and_not_replayed(client):
    body = b"[" * 3000 + b"]" * 3000
    [run_id] = client.post("/webhooks/shop", data=body, headers=signed(body, "deep-view")).get_json()["runs"]
    detail = client.get(f"/api/v1/runs/{run_id}", headers=AUTH)
    assert detail.status_code == 200
    assert detail.get_json()["event"]["payload_unreadable"] == "the body (6000 bytes) nests deeper than 64 levels"
    replay = client.post(f"/api/v1/runs/{run_id}/replay", headers=AUTH)
    assert replay.status_code == 409
    assert replay.get_json()["error"] == f"run {run_id}'s event nests deeper than 64 levels: a replay cannot process it"

"""What an action answers is stored masked: the effect's result (reused by retries and
replays) and the step's output hold neither a configured secret nor a credential-looking key."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hub.connector import Connector
from hub.registry import ConnectorRegistry
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.runs.replay import replay
from hub.store.platform import Effect, Run, StepRun

SECRET = "vault-s3cret-key"
RECIPE = """\
recipe: provision
trigger: {manual: {}}
steps:
  - id: made
    call: {connection: vault, action: create_account, with: "{name: event.name}"}
"""


class Vault(Connector):
    """A system whose answer echoes the connection's key and hands out a token."""

    kind = "fake_vault"
    config_schema = {"type": "object", "properties": {"api_key": {"type": "string", "secret": True}}}

    def actions(self):
        def create_account(payload, context):
            return {"id": 7, "access_token": "abc", "echo": self.config["api_key"], "name": payload["name"]}
        return {"create_account": create_account}


@pytest.fixture
def hub(make_hub):
    registry = ConnectorRegistry.from_entry_points().clone()
    registry.register(Vault)
    return make_hub({"vault": {"connector": "fake_vault", "api_key": SECRET}}, {"provision.yaml": RECIPE},
                    registry=registry)


def finish(hub, run_id: int) -> str:
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions() as session:
        return session.get(Run, run_id).status


def test_an_action_result_is_stored_masked(hub):
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key="m-1", body=json.dumps({"name": "ACME"}).encode()),
                      [("provision", hub.recipes["provision"].recipe.hash)])
    assert finish(hub, accepted.run_ids[0]) == "succeeded"
    masked = {"id": 7, "access_token": "***", "echo": "***", "name": "ACME"}
    with hub.sessions() as session:
        assert session.scalars(select(Effect.result)).all() == [masked]
        assert session.scalars(select(StepRun.output)).all() == [masked]

    again = replay(hub.sessions, accepted.run_ids[0], {"provision": hub.recipes["provision"].recipe.hash}, who="test")  # reuses the stored result
    assert finish(hub, again) == "succeeded"
    with hub.sessions() as session:
        outputs = session.scalars(select(StepRun.output).where(StepRun.run_id == again)).all()
    assert outputs == [masked]
    assert SECRET not in json.dumps(outputs)

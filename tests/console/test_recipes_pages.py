"""The console's Recipes page through Flask's test client: figures, problems in the files,
the YAML, and pausing and resuming (runs wait, schedules and polls do not fire)."""

from __future__ import annotations

import uuid

import pytest
import yaml
from sqlalchemy import func, select

from hub import scheduler
from hub.hub import Hub
from hub.runs import queue
from hub.runs.inbox import NewEvent, accept
from hub.runs.poller import PollResult
from hub.store.platform import AuditEntry, Event, RecipePause, Run
from hub.users import add_user
from hub.web import create_app
from hub.web.console import recipes as recipes_page
from tests.console.conftest import PASSWORD, RECIPE, csrf_of, execute_queued, login

TICKS = """\
recipe: ticks
description: "<b>every</b> morning & evening"
trigger: {schedule: {cron: "0 6 * * *"}}
steps:
  - id: noted
    filter: "event"
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("recipes")
    (root / "recipes").mkdir()
    (root / "recipes" / "orders.yaml").write_text(RECIPE)
    (root / "recipes" / "ticks.yaml").write_text(TICKS)
    (root / "config.yaml").write_text(yaml.safe_dump({"database": "sqlite:///hub.db",
                                                      "recipes": ["recipes/*.yaml"]}))
    hub = Hub.from_config(root / "config.yaml")
    hub.migrate()
    for name in ("admin", "ar", "viewer"):
        add_user(hub.sessions, name, name, PASSWORD, who="the tests", reason="a test user")
    yield hub
    hub.close()


@pytest.fixture
def app(hub):
    return create_app(hub)


def client_of(app, name: str):
    client = app.test_client()
    login(client, name)
    return client


def queue_order(hub, body: bytes = b'{"name": "ACME", "email": "ap@acme.example"}') -> int:
    built = hub.recipes["orders"]
    accepted = accept(hub.sessions, NewEvent(source="manual", topic="manual", body=body,
                                             dedupe_key=f"manual:orders:{uuid.uuid4().hex}"),
                      [(built.slug, built.recipe.hash)])
    return accepted.run_ids[0]


def post(client, path: str, **form):
    token = csrf_of(client.get("/console/recipes/orders").text)
    return client.post(path, data={"csrf_token": token, **form})


def status_of(hub, run_id: int) -> str:
    with hub.sessions() as session:
        return session.get(Run, run_id).status


def test_the_list_shows_trigger_state_last_run_and_success_over_24_hours(app, hub):
    good = queue_order(hub)
    execute_queued(hub, good)
    bad = queue_order(hub, b'{"name": "ACME", "email": "ap@acme.example", "x": "\\ud800"}')
    page = client_of(app, "viewer").get("/console/recipes/")
    assert page.status_code == 200
    row = page.text.split('id="recipe-orders"')[1].split("</tr>")[0]
    assert "manual" in row and "active" in row
    assert f"#{bad}" in row and "dead" in row  # the newest run: dead where it was accepted
    assert "50 %" in row and "(1 of 2)" in row
    ticks = page.text.split('id="recipe-ticks"')[1].split("</tr>")[0]
    assert "schedule" in ticks and "0 6 * * *" in ticks and "no run yet" in ticks
    assert "&lt;b&gt;every&lt;/b&gt;" in ticks and "<b>every" not in page.text


def test_one_recipe_shows_its_yaml_escaped_and_read_only(app):
    page = client_of(app, "viewer").get("/console/recipes/ticks")
    assert page.status_code == 200
    yaml_shown = page.text.split('id="yaml">')[1].split("</pre>")[0]
    assert 'description: &#34;&lt;b&gt;every&lt;/b&gt; morning &amp; evening&#34;' in yaml_shown
    assert "<textarea" not in page.text


def test_an_unknown_recipe_is_404(app):
    client = client_of(app, "admin")
    assert client.get("/console/recipes/nope").status_code == 404
    answer = post(client, "/console/recipes/nope/pause", reason="x")
    assert answer.status_code == 404 and "no recipe &#39;nope&#39; is loaded" in answer.text


@pytest.mark.parametrize("name", ["viewer", "ar"])
def test_only_an_admin_sees_and_may_use_pause(app, hub, name):
    client = client_of(app, name)
    assert 'id="pause"' not in client.get("/console/recipes/orders").text
    answer = post(client, "/console/recipes/orders/pause", reason="not mine to do")
    assert answer.status_code == 403
    with hub.sessions() as session:
        assert session.get(RecipePause, "orders") is None


def test_pause_without_its_csrf_token_or_a_reason_is_refused(app, hub):
    client = client_of(app, "admin")
    assert client.post("/console/recipes/orders/pause", data={"reason": "x"}).status_code == 400
    answer = post(client, "/console/recipes/orders/pause", reason="  ")
    assert answer.status_code == 400 and "say why" in answer.text
    with hub.sessions() as session:
        assert session.get(RecipePause, "orders") is None


def test_a_paused_recipes_runs_wait_and_run_after_resume(app, hub):
    client = client_of(app, "admin")
    answer = post(client, "/console/recipes/orders/pause", reason="ERP maintenance")
    assert answer.status_code == 302
    waiting = queue_order(hub)
    assert queue.claim_run(hub.sessions, queue.new_owner(), waiting) is None
    assert waiting not in [c.run_id for c in queue.claim(hub.sessions, queue.new_owner(), 10)]
    assert queue.next_due_at(hub.sessions) is None  # an idle worker does not spin on it
    page = client.get("/console/recipes/orders")
    assert 'id="state">paused' in page.text and "ERP maintenance" in page.text
    assert 'id="resume"' in page.text and ">1</a>" in page.text.split('id="waiting"')[1]
    assert status_of(hub, waiting) == "queued"
    run_page = client.get(f"/console/runs/{waiting}").text
    notice = run_page.split('id="paused"')[1].split("</p>")[0]
    assert '<a href="/console/recipes/orders">orders</a> is paused' in notice
    assert "by admin (admin) in the console: ERP maintenance" in notice
    assert "waits: nothing runs until the recipe is resumed" in notice
    assert "the run waits for recipe orders to be resumed" in run_page
    assert "a worker will pick it up" not in run_page

    answer = post(client, "/console/recipes/orders/resume", reason="ERP is back")
    assert answer.status_code == 302
    run_page = client.get(f"/console/runs/{waiting}").text
    assert 'id="paused"' not in run_page and "a worker will pick it up" in run_page
    execute_queued(hub, waiting)
    assert status_of(hub, waiting) == "succeeded"
    with hub.sessions() as session:
        details = list(session.scalars(select(AuditEntry.detail).where(
            AuditEntry.kind.in_(("recipe.pause", "recipe.resume"))).order_by(AuditEntry.id)))
    assert details == ["recipe orders paused by admin (admin) in the console; reason: ERP maintenance",
                       "recipe orders resumed by admin (admin) in the console; reason: ERP is back"]


def test_pausing_twice_changes_nothing(app, hub):
    client = client_of(app, "admin")
    post(client, "/console/recipes/orders/pause", reason="once")
    page = client.get(post(client, "/console/recipes/orders/pause", reason="twice").headers["Location"])
    assert "was already paused" in page.text
    post(client, "/console/recipes/orders/resume", reason="done")
    with hub.sessions() as session:
        assert session.scalar(select(func.count()).where(AuditEntry.detail.like("%reason: twice"))) == 0


def test_a_paused_schedule_and_poll_do_not_fire(app, hub, monkeypatch):
    client = client_of(app, "admin")
    post(client, "/console/recipes/ticks/pause", reason="not today")
    polled = []
    monkeypatch.setattr(scheduler, "poll_once",
                        lambda hub, built: polled.append(built.slug) or PollResult(seen=0, new=0))
    scheduler.fire_schedule(hub, hub.recipes["ticks"])
    scheduler._poll(hub, hub.recipes["ticks"])
    with hub.sessions() as session:
        assert session.scalar(select(func.count()).where(Event.source == "schedule")) == 0
    assert polled == []
    post(client, "/console/recipes/ticks/resume", reason="today")
    scheduler.fire_schedule(hub, hub.recipes["ticks"])
    scheduler._poll(hub, hub.recipes["ticks"])
    with hub.sessions() as session:
        assert session.scalar(select(func.count()).where(Event.source == "schedule")) == 1
    assert polled == ["ticks"]


def test_problems_of_files_changed_since_the_start_are_shown_at_file_line_col(app, hub):
    broken = hub.settings.path.parent / "recipes" / "zz-new.yaml"
    broken.write_text("recipe: zz-new\ntrigger: {manual: {}}\nsteps:\n  - id: a\n    mapp: {}\n")
    try:
        page = client_of(app, "viewer").get("/console/recipes/")
        problems = page.text.split('id="problems"')[1]
        assert "recipes/zz-new.yaml:5:" in problems
        assert "None: every recipe file" not in problems
    finally:
        broken.unlink()
    page = client_of(app, "viewer").get("/console/recipes/")
    assert "None: every recipe file on disk is valid." in page.text


def test_the_files_are_validated_again_only_when_one_changed(hub, monkeypatch):
    calls = []
    real = recipes_page.validate_paths
    monkeypatch.setattr(recipes_page, "validate_paths", lambda *a, **k: calls.append(1) or real(*a, **k))
    files = recipes_page.RecipeFiles(hub.settings)
    assert files.issues() == [] and files.issues() == []
    assert len(calls) == 1
    orders = hub.settings.path.parent / "recipes" / "orders.yaml"
    orders.write_text(RECIPE.replace("steps:", "steps:\n  - oops"))
    try:
        found = files.issues()
        assert len(calls) == 2 and found and all(i.text.startswith("recipes/orders.yaml:") for i in found)
    finally:
        orders.write_text(RECIPE)

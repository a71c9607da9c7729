"""The O2C jobs as steps: the bundled cash-application and weekday-dunning recipes run on their
schedule as runs like any other (step records, retries, replay), and `o2c-hub cashapp run` /
`o2c-hub dunning run` start them; a dunning step names its policy file and policy, checked."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from connectors.http.sandbox import create_app as erp_app
from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from hub import STARTER
from hub.cli import main
from hub.errors import ConfigError
from hub.o2c.cashapp.service import CashApplication
from hub.recipe.load import parse_recipe
from hub.runs.executor import execute
from hub.runs.queue import claim_run
from hub.runs.replay import replay
from hub.scheduler import fire_schedule
from hub.store.o2c import Invoice
from hub.store.platform import Run, StepRun
from hub.store.upsert import upsert
from tests.recipe.conftest import ENTITIES, FakeChat, FakeShop

SLACK_TOKEN = "xoxb-o2c-steps"
CASH = (STARTER / "recipes" / "cash-application.yaml").read_text()
POSTINGS = (STARTER / "recipes" / "cash-postings-to-erp.yaml").read_text()
DUNNING = (STARTER / "recipes" / "weekday-dunning.yaml").read_text()
POLICIES = """\
dunning:
  standard:
    connections: {slack: slack}
    levels:
      - {name: late, days: 1, channel: slack, text: "{customer} has late invoices:"}
"""


@pytest.fixture
def erp():
    """The ERP the applied payments are recorded in: the HTTP sink, over a real socket."""
    app = erp_app()
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


def erp_calls(erp) -> list[dict]:
    """Every record_payment request the ERP received (replays of an Idempotency-Key too)."""
    return [hit for hit in erp.state.hits if hit.get("path") == "/payments"]


@pytest.fixture
def slack():
    app = slack_app(token=SLACK_TOKEN)
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


@pytest.fixture
def site(make_hub, slack, erp, tmp_path):
    """A hub with the bundled cash-application, cash-postings-to-erp and weekday-dunning recipes
    (``extra``: config keys), Slack, an ERP, and one customer with an invoice ten days overdue."""
    (tmp_path / "dunning.yaml").write_text(POLICIES)  # the bundled recipe's ../dunning.yaml

    def make(**extra):
        hub = make_hub({"slack": {"connector": "slack", "token": SLACK_TOKEN, "channel": "#ar-alerts",
                                  "base_url": f"{slack.url}/api/", "timeout": 5},
                        "ledger": {"connector": "http", "base_url": erp.url, "timeout": 5,
                                   "actions": {"record_payment": {"method": "POST", "path": "/payments"}}}},
                       {"cash-application.yaml": CASH, "cash-postings-to-erp.yaml": POSTINGS,
                        "weekday-dunning.yaml": DUNNING}, **extra)
        seed(hub)
        return hub
    return make


@pytest.fixture
def hub(site):
    return site()


def seed(hub) -> None:
    with hub.sessions.begin() as session:
        upsert(session, "customer", {"name": "ACME GmbH", "email": "ap@acme.example"})
        upsert(session, "invoice", {"number": "INV-7001", "currency": "EUR", "total": "250.00",
                                    "amount_due": "250.00", "status": "open", "customer": {"email": "ap@acme.example"},
                                    "issue_date": (date.today() - timedelta(days=40)).isoformat(),
                                    "due_date": (date.today() - timedelta(days=10)).isoformat()})


def bank_credit(hub, ident: str, amount: str, text: str) -> None:
    with hub.sessions.begin() as session:
        upsert(session, "bank_transaction", {
            "id": ident, "account": {"id": "DE02120300000000202051"}, "booking_date": date.today().isoformat(),
            "amount": amount, "currency": "EUR", "remittance_info": text,
            "counterparty": {"name": "ACME GMBH", "iban": "DE89370400440532013000"}})


def attempt(hub, run_id: int) -> Run:
    with hub.sessions.begin() as session:  # due now, whatever its backoff said
        session.execute(update(Run).where(Run.id == run_id).values(next_attempt_at=Run.created_at))
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions() as session:
        return session.get(Run, run_id)


def scheduled(hub, slug: str) -> Run:
    fire_schedule(hub, hub.recipes[slug])
    with hub.sessions() as session:
        run_id = session.scalar(select(Run.id).where(Run.recipe == slug).order_by(Run.id.desc()))
    return attempt(hub, run_id)


def output(hub, run: Run, step_id: str):
    with hub.sessions() as session:
        return session.scalars(select(StepRun.output).where(
            StepRun.run_id == run.id, StepRun.attempt == run.attempt, StepRun.step_id == step_id)).one()


def cli(hub, *args: str):
    return CliRunner().invoke(main, ["--config", str(hub.settings.path), *args], catch_exceptions=False)


def test_scheduled_cash_application_applies_the_bank_credit_once(hub, slack):
    bank_credit(hub, "bt-7001", "250.00", "Invoice INV-7001")
    run = scheduled(hub, "cash-application")
    assert run.status == "succeeded"
    applied = output(hub, run, "applied")
    assert {k: applied[k] for k in ("decided", "auto_applied", "proposed", "unmatched", "skipped")} == {
        "decided": 1, "auto_applied": 1, "proposed": 0, "unmatched": 0, "skipped": 0}
    (outcome,) = applied["outcomes"]
    assert (outcome["status"], outcome["invoices"], Decimal(str(outcome["applications"][0]["amount"]))) == (
        "auto_applied", ["INV-7001"], Decimal("250.00"))
    with hub.sessions() as session:
        assert session.scalar(select(Invoice.status).where(Invoice.number == "INV-7001")) == "paid"
    assert [m["message"]["text"] for m in slack.state.messages] == [
        "Cash application: 1 payment(s) applied, 0 to review (o2c-hub cashapp proposals), 0 unmatched; "
        "1 recorded in the ERP."]

    again = attempt(hub, replay(hub.sessions, run.id, {"cash-application": hub.recipes["cash-application"].recipe.hash},
                                who="the tests"))
    assert (again.status, output(hub, again, "applied")["decided"]) == ("succeeded", 0)
    assert len(slack.state.messages) == 1  # nothing decided: nothing told


def test_what_cash_application_applies_is_recorded_in_the_erp_once(hub, erp):
    bank_credit(hub, "bt-7001", "250.00", "Invoice INV-7001")
    run = scheduled(hub, "cash-application")
    assert run.status == "succeeded", run.error_message
    posted = output(hub, run, "posted")
    assert (posted["posted"], posted["differences"]) == (1, 0)
    (payment,) = posted["payments"]
    assert (payment["payment"], [i["invoice"] for i in payment["invoices"]]) == ("bt-7001", ["INV-7001"])
    assert [r["json"] for r in erp.state.requests] == [{
        "invoice": {"number": "INV-7001"},
        "payment": {"reference": "bt-7001", "amount": Decimal("250.00"), "currency": "EUR", "value_date": date.today().isoformat()}}]

    replayed = attempt(hub, replay(hub.sessions, run.id, {"cash-application": hub.recipes["cash-application"].recipe.hash},
                                   who="the tests"))
    later = scheduled(hub, "cash-postings-to-erp")
    assert output(hub, replayed, "posted")["posted"] == 0 and output(hub, later, "posted")["posted"] == 0
    assert len(erp_calls(erp)) == 1  # not even a call the ERP would have recognised by its key


def test_an_accepted_proposal_is_recorded_in_the_erp_with_the_credit_on_the_last_invoice(hub, erp):
    with hub.sessions.begin() as session:
        upsert(session, "invoice", {"number": "INV-7002", "currency": "EUR", "total": "80.00", "amount_due": "80.00",
                                    "status": "open", "customer": {"email": "ap@acme.example"},
                                    "issue_date": (date.today() - timedelta(days=5)).isoformat()})
    # both invoices named, 5.55 more than they come to and more than the default policy keeps as
    # credit without a person
    bank_credit(hub, "bt-7003", "5335.55", "INV-7001 INV-7002")
    decided = output(hub, scheduled(hub, "cash-application"), "applied")
    assert (decided["proposed"], decided["auto_applied"]) == (1, 0), decided
    assert erp.state.requests == []  # nothing applied, nothing posted

    with hub.sessions.begin() as session:
        outcome = CashApplication(session).accept(decided["outcomes"][0]["proposal_id"], who="alice")
    assert outcome.status == "accepted"
    posted = output(hub, scheduled(hub, "cash-postings-to-erp"), "posted")
    assert posted["posted"] == 1
    sent = {r["json"]["invoice"]["number"]: r["json"]["payment"]["amount"] for r in erp.state.requests}
    applied = {line.number: line.amount for line in outcome.applications if line.kind == "applied"}
    last = list(applied)[-1]
    assert sent == {n: a + (outcome.credit if n == last else 0) for n, a in applied.items()}
    assert sum(sent.values()) == Decimal("5335.55")


def test_an_erp_that_fails_is_tried_again_and_records_the_payment_once(hub, erp):
    bank_credit(hub, "bt-7004", "250.00", "Invoice INV-7001")
    erp.state.faults.push(503)
    run = scheduled(hub, "cash-application")
    assert (run.status, run.error_class) == ("retrying", "RetriableError")
    with hub.sessions() as session:  # decided once: the retry posts, it does not decide again
        assert session.scalar(select(Invoice.status).where(Invoice.number == "INV-7001")) == "paid"
    run = attempt(hub, run.id)
    assert run.status == "succeeded", run.error_message
    assert (output(hub, run, "applied")["decided"], output(hub, run, "posted")["posted"]) == (0, 1)
    assert [hit["status"] for hit in erp_calls(erp)] == [503, None]
    assert len(erp.state.requests) == 1


def test_cash_application_follows_the_config_files_policy(site, slack):
    hub = site(cash_application={"auto_apply": {"min_score": 200}})  # no set ever scores this much
    bank_credit(hub, "bt-7001", "250.00", "Invoice INV-7001")
    applied = output(hub, scheduled(hub, "cash-application"), "applied")
    assert (applied["auto_applied"], applied["proposed"], applied["outcomes"][0]["invoices"]) == (0, 1, ["INV-7001"])


def test_cashapp_run_starts_the_recipe_and_says_what_it_applied(hub):
    bank_credit(hub, "bt-7002", "250.00", "INV-7001")
    done = cli(hub, "cashapp", "run")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[:2] == ["auto_applied  bt-7002  INV-7001", "1 decided"]
    assert lines[2].startswith("run ") and lines[2].endswith(" (cash-application): succeeded after 1 attempt(s)")
    with hub.sessions() as session:
        assert session.scalar(select(Run.recipe).where(Run.id == int(lines[2].split()[1]))) == "cash-application"


def test_cashapp_run_without_such_a_recipe_says_what_to_add(make_hub, tmp_path):
    hub = make_hub({}, {})
    done = cli(hub, "cashapp", "run")
    assert done.exit_code == 1
    assert done.stderr == ("o2c-hub: no loaded recipe has a cash_apply step: add recipes/cash-application.yaml "
                           "(o2c-hub init writes it) to the config's recipes\n")


def test_scheduled_dunning_is_retried_when_slack_fails_and_sends_once(hub, slack):
    slack.state.faults.push(503)
    run = scheduled(hub, "weekday-dunning")
    assert (run.status, run.error_class) == ("retrying", "RetriableError")
    with hub.sessions() as session:
        failed = session.scalars(select(StepRun).where(StepRun.run_id == run.id, StepRun.step_id == "notices")).one()
    assert (failed.kind, failed.status, failed.input) == ("dunning", "failed",
                                                          {"policy": "standard", "as_of": date.today().isoformat()})

    run = attempt(hub, run.id)
    assert run.status == "succeeded"
    notices = output(hub, run, "notices")
    assert (notices["count"], notices["as_of"]) == (1, date.today().isoformat())
    (notice,) = notices["notices"]
    assert (notice["customer"], notice["level"], notice["connection"], [i["number"] for i in notice["invoices"]]) == (
        "email:ap@acme.example", "late", "slack", ["INV-7001"])
    texts = [m["message"]["text"] for m in slack.state.messages]
    assert len(texts) == 2 and "INV-7001" in texts[0]
    assert texts[1] == f"Dunning standard on {date.today().isoformat()}: 1 notice(s) sent; email:ap@acme.example: late for 1 invoice(s)."

    again = attempt(hub, replay(hub.sessions, run.id, {"weekday-dunning": hub.recipes["weekday-dunning"].recipe.hash},
                                who="the tests"))
    assert (again.status, output(hub, again, "notices")["count"]) == ("succeeded", 0)
    assert len(slack.state.messages) == 2


def test_dunning_run_takes_its_date_into_the_event(hub, slack):
    done = cli(hub, "dunning", "run", "--as-of", (date.today() - timedelta(days=20)).isoformat())
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == f"0 notice(s) on {(date.today() - timedelta(days=20)).isoformat()} under policy standard"
    assert slack.state.messages == []  # the invoice was not due yet on that day


RECIPE = """\
recipe: r
trigger: {{manual: {{}}}}
steps:
  - id: notices
    dunning: {{policies: {policies}, policy: {policy}}}
"""


@pytest.mark.parametrize(("policies", "policy", "file", "expected"), [
    ("nowhere.yaml", "standard", None,
     "recipes/r.yaml:5:25: steps/0/dunning/policies: cannot read the dunning file recipes/nowhere.yaml: "
     "No such file or directory"),
    ("../dunning.yaml", "b2b", POLICIES,
     "recipes/r.yaml:5:50: steps/0/dunning/policy: dunning.yaml has no policy 'b2b' (known: standard)"),
    ("../dunning.yaml", "standard", POLICIES.replace("{slack: slack}", "{slack: chat}"),
     "recipes/r.yaml:5:50: steps/0/dunning/policy: policy 'standard' sends slack by connection 'chat', which is "
     "not configured (known: erp, slack)"),
    ("../dunning.yaml", "standard", POLICIES.replace("{slack: slack}", "{slack: erp}"),
     "recipes/r.yaml:5:50: steps/0/dunning/policy: policy 'standard' sends slack by connection 'erp', which "
     "cannot send notices (it has no notify action)"),
    ("../dunning.yaml", "standard", POLICIES.replace("days: 1", "days: soon"),
     "dunning.yaml:5:28: dunning/standard/levels/0/days: must be a whole number, not a string"),
], ids=["no-file", "unknown-policy", "unknown-connection", "cannot-notify", "invalid-file"])
def test_a_dunning_step_checks_its_file_policy_and_connections(policies, policy, file, expected, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "recipes").mkdir()
    if file is not None:
        (tmp_path / "dunning.yaml").write_text(file)
    with pytest.raises(ConfigError) as caught:
        parse_recipe(RECIPE.format(policies=policies, policy=policy), "recipes/r.yaml", entities=ENTITIES,
                     connections={"erp": FakeShop("erp", {}), "slack": FakeChat("slack", {})})
    assert [str(i) for i in caught.value.issues] == [expected]

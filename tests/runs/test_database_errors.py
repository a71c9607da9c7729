"""A database error in a run is named by its class alone in the run record, its alert and the log.

Its text quotes the SQL statement and its parameters: the event's data, a customer's e-mail
and name. A constraint violation (another run stored the same record at the same moment) is
retried, never a fatal "internal error". Real errors from SQLite and PostgreSQL, raised by a
step as the store would raise them, go through the executor to the Slack sandbox.
"""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DataError, IntegrityError, NoResultFound, OperationalError, StatementError

from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from hub import jsonutil
from hub.errors import FatalError, RetriableError
from hub.pipeline.steps import upsert as upsert_kind
from hub.pipeline.runner import classify
from hub.store.base import database_detail
from hub.runs.executor import execute
from hub.runs.inbox import GroupCommit, NewEvent, accept
from hub.runs.queue import claim_run
from hub.store.base import Base, make_engine, make_sessionmaker
from hub.store.o2c import ExternalRef
from hub.store.platform import Run, StepRun
from tests.support.postgres import throwaway_database

SLACK_TOKEN = "xoxb-database-errors"
EMAIL, NAME = "maria.lopez@example.org", "Maria Lopez"
SQL = "INSERT INTO customers (email, name) VALUES (?, ?)"
MESSAGE = "database error ({}); details in the hub log"
# What a database error's text carries and nothing the hub shows may
LEAKS = ("INSERT", "[SQL", "parameters", "external_refs (", EMAIL, "Lopez")


def error(kind, driver: Exception):
    return kind(SQL, (EMAIL, NAME), driver)


@pytest.mark.parametrize(("exc", "kind", "name"), [
    (error(IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed: customers.email")),
     RetriableError, "IntegrityError"),
    (error(OperationalError, sqlite3.OperationalError("database is locked")), RetriableError, "OperationalError"),
    (error(DataError, sqlite3.DataError(f"value too long: {EMAIL}")), FatalError, "DataError"),
    (StatementError("naive datetime given", SQL, (EMAIL, NAME), ValueError(EMAIL)), FatalError, "StatementError"),
    (NoResultFound("No row was found when one was required"), FatalError, "NoResultFound"),
], ids=["constraint", "locked", "data", "statement", "no-row"])
def test_a_database_error_is_named_by_its_class_alone(exc, kind, name):
    assert EMAIL in str(exc) or isinstance(exc, NoResultFound)  # what must not get out
    classified = classify(exc)
    assert type(classified) is kind
    assert str(classified) == MESSAGE.format(name)


def test_other_errors_keep_their_classification():
    assert str(classify(KeyError("number"))) == "internal error (KeyError): 'number'"
    assert classify(RetriableError("ERP busy")).__class__ is RetriableError


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    with throwaway_database("o2c_dberrors") as url:
        yield url


@pytest.fixture
def slack():
    app = slack_app(token=SLACK_TOKEN)
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


def recipe(retry: str) -> dict[str, str]:
    return {"customers.yaml": f"""recipe: customers
trigger: {{manual: {{}}}}
steps:
  - id: saved
    upsert: {{entity: customer, from: event}}
retry: {retry}
on_failure:
  - notify: {{connection: slack, text: "Customer {{{{ event.email }}}} was not stored: {{{{ run.error }}}}"}}
"""}


@pytest.fixture
def hub_storing_twice(make_hub, slack, database, monkeypatch):
    """A hub whose upsert step meets a real unique violation quoting the customer's e-mail."""

    def store_twice(session, entity, record, *, ref=None, known_customer=False):
        row = {"system": "crm", "entity": entity, "external_id": record["email"], "canonical_id": 1}
        session.execute(insert(ExternalRef), [row, row])

    monkeypatch.setattr(upsert_kind, "upsert", store_twice)

    def make(retry: str):
        slack_connection = {"connector": "slack", "token": SLACK_TOKEN, "channel": "#ar-alerts",
                            "base_url": f"{slack.url}/api/", "timeout": 5}
        return make_hub({"slack": slack_connection}, recipe(retry), database=database)
    return make


def run_once(hub) -> Run:
    body = jsonutil.dumps({"email": EMAIL, "name": NAME}).encode()
    (run_id,) = accept(hub.sessions, NewEvent(source="manual", dedupe_key="customer-1", body=body),
                       [("customers", hub.recipes["customers"].recipe.hash)]).run_ids
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions() as session:
        return session.get(Run, run_id)


def test_a_constraint_violation_in_a_step_is_retried(hub_storing_twice, slack):
    hub = hub_storing_twice("{max_attempts: 3, initial: 1s}")
    run = run_once(hub)
    assert (run.status, run.error_class) == ("retrying", "RetriableError")
    assert run.error_message.endswith(": step saved: " + MESSAGE.format("IntegrityError"))
    assert slack.state.messages == []


def test_no_record_alert_or_log_line_quotes_the_statement_or_its_values(hub_storing_twice, slack, database, caplog):
    caplog.set_level(logging.DEBUG)
    hub = hub_storing_twice("{max_attempts: 1}")
    run = run_once(hub)
    assert run.status == "dead" and run.alerted_at is not None

    expected = f"{hub.recipes['customers'].steps[0].location}: step saved: {MESSAGE.format('IntegrityError')}"
    assert run.error_message == expected
    with hub.sessions() as session:
        failed = session.query(StepRun).filter_by(run_id=run.id, step_id="saved").one()
    assert failed.error_message == expected
    (alert,) = [m["message"]["text"] for m in slack.state.messages]
    assert alert == f"Customer {EMAIL} was not stored: {expected}"  # the recipe put the e-mail in, not the hub

    # slack_sdk logs the alert it sends at DEBUG, with the e-mail the recipe's text put in
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("slack_sdk"))
    shown = [run.error_message, failed.error_message, alert.removeprefix(f"Customer {EMAIL}"), logged]
    assert [leak for leak in LEAKS for text in shown if leak in text] == []
    assert "INSERT" not in caplog.text and "[SQL" not in caplog.text
    details = [r.getMessage() for r in caplog.records if "details" not in r.getMessage()
               and "database error (IntegrityError from" in r.getMessage()]
    if database.startswith("sqlite"):
        named = ("sqlite3.IntegrityError): SQLITE_CONSTRAINT_UNIQUE, UNIQUE constraint failed: "
                 "external_refs.system, external_refs.entity, external_refs.external_id")
    else:
        named = ("psycopg.errors.UniqueViolation): SQLSTATE 23505, "
                 "constraint external_refs_system_entity_external_id_key, table external_refs")
    assert details == [f"run {run.id} step saved: database error (IntegrityError from {named}"]


# --- The inbox -------------------------------------------------------------------------------


@pytest.fixture
def refusing_inbox(tmp_path):
    """The sessions of a SQLite store whose ``events`` table refuses rows with ``trigger_sql``."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    Base.metadata.create_all(engine)

    def refuse(trigger_sql: str):
        with engine.begin() as connection:
            connection.execute(text(f"CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN {trigger_sql}; END"))
        return make_sessionmaker(engine)

    yield refuse
    engine.dispose()


def order_event(key: str) -> NewEvent:
    return NewEvent(source="webhook", dedupe_key=key, body=jsonutil.dumps({"email": EMAIL, "name": NAME}).encode())


def test_an_event_refused_by_another_constraint_is_not_taken_for_a_duplicate(refusing_inbox):
    sessions = refusing_inbox("SELECT RAISE(ABORT, 'refused')")
    with pytest.raises(IntegrityError):
        accept(sessions, order_event("d-1"), [("orders", "h")])


def test_events_the_database_cannot_store_are_logged_by_name_never_by_body(refusing_inbox, caplog):
    sessions = refusing_inbox("INSERT INTO nowhere VALUES (1)")
    inbox = GroupCommit(sessions)
    inbox.start()
    try:
        with pytest.raises(OperationalError) as raised:
            inbox.accept(order_event("webhook:shop:delivery-77"), [("orders", "h")])
    finally:
        inbox.stop()
    assert "INSERT INTO events" in str(raised.value)  # the statement: not for the log
    assert "delivery-77" not in str(raised.value)  # the engine hides parameters even from the error
    assert [r.getMessage() for r in caplog.records if r.name == "o2c_hub.inbox"] == [
        "could not store 1 event(s): database error (OperationalError from sqlite3.OperationalError): SQLITE_ERROR"]
    assert "delivery-77" not in caplog.text and "INSERT" not in caplog.text

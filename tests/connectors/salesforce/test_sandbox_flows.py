"""The Salesforce connector against its sandbox over real sockets: OAuth grants, token refresh,
incremental polling on SystemModstamp, paging, faults."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.salesforce import SalesforceConnector
from connectors.salesforce.sandbox import create_app
from connectors.sandbox import serve
from hub import canonical
from hub.connector import Cursor
from hub.errors import FatalError, RetriableError
from hub.registry import ConnectorRegistry

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
CLIENT_CREDENTIALS = {"client_credentials": {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}}


class Clock:
    """A clock the test moves by hand, so change stamps are known."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


KEYS = _keypair()


@pytest.fixture
def sandbox():
    app = create_app(public_key=KEYS[1])
    state = app.extensions["sandbox"]
    state.org.clock = Clock(T0)
    with serve(app) as server:
        yield server, state


def _connect(server, auth=None, **extra) -> SalesforceConnector:
    registry = ConnectorRegistry()
    registry.register(SalesforceConnector)
    kind = registry.get("salesforce")
    return kind.from_config("crm", {"login_url": server.url, "auth": auth or CLIENT_CREDENTIALS, **extra})


def _at(state, seconds: int) -> None:
    state.org.clock.now = T0 + timedelta(seconds=seconds)


def _seed(state) -> dict[str, str]:
    """Acme at T0, Globex and Initech both at exactly T0+5s; returns ids by name."""
    ids = {}
    for stamp, name in (("10:00:00", "Acme"), ("10:00:05", "Globex"), ("10:00:05", "Initech")):
        (stored,) = state.org.put("Account", [{"Name": name, "BillingCity": "Berlin", "BillingCountry": "DE",
                                               "SystemModstamp": f"2024-05-01T{stamp}.000+0000"}])
        ids[name] = stored["Id"]
    return ids


def test_client_credentials_then_a_full_first_poll(sandbox):
    server, state = sandbox
    _seed(state)
    with closing(_connect(server)) as conn:
        records = list(conn.poll("accounts", Cursor(start=None)))
    assert [r.data["customer"]["name"] for r in records] == ["Acme", "Globex", "Initech"]
    assert records[0].updated_at == T0
    assert state.token_requests == ["client_credentials"]
    for record in records:
        canonical.check("customer", record.data["customer"])


def test_second_poll_returns_changed_records_and_those_stamped_at_the_cursor(sandbox):
    server, state = sandbox
    ids = _seed(state)
    with closing(_connect(server)) as conn:
        first = list(conn.poll("accounts", Cursor(start=None)))
        _at(state, 60)
        state.org.change("Account", ids["Acme"], {"Phone": "+49 30 1"})
        last = first[-1]
        cursor = Cursor(start=last.updated_at, last_seen_at=last.updated_at, last_seen_id=last.id)
        second = list(conn.poll("accounts", cursor))
    assert [(r.data["customer"]["name"], r.updated_at) for r in second] == [
        ("Globex", T0 + timedelta(seconds=5)), ("Initech", T0 + timedelta(seconds=5)),
        ("Acme", T0 + timedelta(seconds=60)),
    ]
    assert second[-1].data["customer"]["phone"] == "+49 30 1"
    seen = {(r.id, r.updated_at) for r in first}
    assert [r.data["customer"]["name"] for r in second if (r.id, r.updated_at) not in seen] == ["Acme"]


def test_changes_through_the_rest_api_bump_the_stamp(sandbox):
    server, state = sandbox
    ids = _seed(state)
    with closing(_connect(server)) as conn:
        token = conn.client.auth.token()
        _at(state, 90)
        answer = requests.patch(f"{server.url}/services/data/v60.0/sobjects/Account/{ids['Globex']}",
                                json={"Name": "Globex AG"}, headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert answer.status_code == 204
        changed = list(conn.poll("accounts", Cursor(start=T0 + timedelta(seconds=30))))
    assert [(r.data["customer"]["name"], r.updated_at) for r in changed] == [("Globex AG", T0 + timedelta(seconds=90))]


def test_small_batches_are_followed_through_next_records_url(sandbox):
    server, state = sandbox
    _at(state, 0)
    state.org.put("Account", [{"Name": f"Customer {i}"} for i in range(7)])
    with closing(_connect(server, batch_size=2)) as conn:
        names = [r.data["customer"]["name"] for r in conn.poll("accounts", Cursor(start=None))]
    assert names == [f"Customer {i}" for i in range(7)]


def test_contacts_carry_email_and_account_name(sandbox):
    server, state = sandbox
    ids = _seed(state)
    state.org.put("Contact", [{"FirstName": "Bob", "LastName": "Norman", "Email": "bob@acme.example",
                               "AccountId": ids["Acme"], "MailingCity": "Berlin"}])
    with closing(_connect(server)) as conn:
        (record,) = conn.poll("contacts", Cursor(start=None))
    customer = canonical.check("customer", record.data["customer"])
    assert customer["name"] == "Bob Norman"
    assert customer["email"] == "bob@acme.example"
    assert customer["addresses"][0]["company"] == "Acme"


def test_custom_fields_are_selected_and_mapped(sandbox):
    server, state = sandbox
    state.org.put("Account", [{"Name": "Acme", "Credit_Limit__c": 5000, "VAT_Number__c": "DE1"}])
    custom = {"accounts": {"credit_limit": "Credit_Limit__c", "tax_id": "VAT_Number__c", "default_currency": "EUR"}}
    with closing(_connect(server, custom_fields=custom)) as conn:
        (record,) = conn.poll("accounts", Cursor(start=None))
    assert canonical.check("customer", record.data["customer"])["credit_limit"] == canonical.normalize(
        "customer", {"currency": "EUR", "credit_limit": "5000"})["credit_limit"]
    assert record.data["customer"]["tax_id"] == "DE1"


def test_an_unknown_custom_field_is_fatal(sandbox):
    server, state = sandbox
    with closing(_connect(server, custom_fields={"accounts": {"tax_id": "No_Such__c"}})) as conn:
        with pytest.raises(FatalError, match="INVALID_FIELD: No such column 'No_Such__c'"):
            list(conn.poll("accounts", Cursor(start=None)))


def test_jwt_bearer_grant_with_a_key_made_in_the_test(sandbox):
    server, state = sandbox
    _seed(state)
    auth = {"jwt_bearer": {"client_id": "sandbox-client", "username": "integration@sandbox.example",
                           "private_key": KEYS[0]}}
    with closing(_connect(server, auth=auth)) as conn:
        assert len(list(conn.poll("accounts", Cursor(start=None)))) == 3
    assert state.token_requests == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]


@pytest.mark.parametrize(("change", "message"), [
    ({"private_key": _keypair()[0]}, "invalid_grant: invalid assertion: Signature verification failed"),
    ({"username": "someone@else.example"}, "invalid_grant: user hasn't approved this consumer"),
    ({"audience": "https://elsewhere.example"}, "invalid_grant: invalid assertion: Audience doesn't match"),
    ({"client_id": "other-app"}, "invalid_client_id: client identifier invalid"),
], ids=["wrong-key", "wrong-user", "wrong-audience", "wrong-client"])
def test_refused_jwt_assertions_are_fatal(sandbox, change, message):
    server, _ = sandbox
    options = {"client_id": "sandbox-client", "username": "integration@sandbox.example", "private_key": KEYS[0], **change}
    with closing(_connect(server, auth={"jwt_bearer": options})) as conn:
        with pytest.raises(FatalError) as raised:
            list(conn.poll("accounts", Cursor(start=None)))
    assert str(raised.value) == f"crm/token: HTTP 400: {message}"
    assert KEYS[0] not in str(raised.value)


def test_wrong_client_secret_is_fatal(sandbox):
    server, _ = sandbox
    auth = {"client_credentials": {"client_id": "sandbox-client", "client_secret": "wrong"}}
    with closing(_connect(server, auth=auth)) as conn:
        with pytest.raises(FatalError, match="invalid_client: invalid client credentials"):
            list(conn.poll("accounts", Cursor(start=None)))


def test_an_expired_session_is_refreshed_once_and_the_poll_goes_on(sandbox):
    server, state = sandbox
    _seed(state)
    with closing(_connect(server)) as conn:
        assert len(list(conn.poll("accounts", Cursor(start=None)))) == 3
        state.expire_tokens()
        assert len(list(conn.poll("accounts", Cursor(start=None)))) == 3
    assert state.token_requests == ["client_credentials", "client_credentials"]


def test_429_surfaces_retry_after(sandbox):
    server, state = sandbox
    state.faults.push(200, {"status": 429, "headers": {"Retry-After": "3"}})
    with closing(_connect(server)) as conn:
        with pytest.raises(RetriableError) as raised:
            list(conn.poll("accounts", Cursor(start=None)))
    assert raised.value.retry_after == 3
    assert raised.value.status == 429


def test_request_limit_exceeded_is_retriable(sandbox):
    server, state = sandbox
    state.faults.push(200, 403)
    with closing(_connect(server)) as conn:
        with pytest.raises(RetriableError, match="REQUEST_LIMIT_EXCEEDED"):
            list(conn.poll("accounts", Cursor(start=None)))


def test_records_can_be_set_and_changed_over_http(sandbox):
    server, state = sandbox
    (stored,) = requests.post(f"{server.url}/_sandbox/records/Account", json=[{"Name": "Acme"}], timeout=5).json()
    _at(state, 30)
    changed = requests.patch(f"{server.url}/_sandbox/records/Account/{stored['Id']}", json={"Name": "Acme AG"},
                             timeout=5).json()
    assert changed["Name"] == "Acme AG"
    assert changed["SystemModstamp"] == "2024-05-01T10:00:30.000+0000"


def test_unknown_resource_is_fatal(sandbox):
    server, _ = sandbox
    with closing(_connect(server)) as conn:
        with pytest.raises(FatalError, match="unknown resource 'deals'"):
            list(conn.poll("deals", Cursor(start=None)))



def test_mappings_use_the_connection_custom_fields(sandbox):
    server, _ = sandbox
    custom = {"accounts": {"tax_id": "VAT_Number__c"}}
    with closing(_connect(server, custom_fields=custom)) as conn:
        account = conn.mappings()["account"]({"Id": "001x", "Name": "Acme", "VAT_Number__c": "DE1"})
        contact = conn.mappings()["contact"]({"Id": "003x", "FirstName": "Bob", "Email": "bob@x.example"})
    assert (account["tax_id"], contact["email"]) == ("DE1", "bob@x.example")

"""Decisions taken through the admin API are in the audit log like the console's: who, what, why."""

from __future__ import annotations

from sqlalchemy import select

from hub.store.platform import AuditEntry
from hub.web import create_app
from tests.console.ar_seed import proposal

AUTH = {"Authorization": "Bearer unit-admin-token"}


def audit_lines(hub) -> list[tuple[str, str]]:
    with hub.sessions() as session:
        return [(a.kind, a.detail) for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_accepting_and_rejecting_proposals_through_the_api_are_audited(make_hub):
    hub = make_hub({}, {})
    accepted, rejected = proposal(hub.sessions, "INV-A-1", "480.25"), proposal(hub.sessions, "INV-A-2", "311.40")
    client = create_app(hub).test_client()
    ok = client.post(f"/api/v1/cash-application/proposals/{accepted.proposal_id}/accept", headers=AUTH)
    assert ok.status_code == 200, ok.get_json()
    no = client.post(f"/api/v1/cash-application/proposals/{rejected.proposal_id}/reject", headers=AUTH,
                     json={"reason": "paid twice by mistake"})
    assert no.status_code == 200, no.get_json()
    lines = audit_lines(hub)
    assert [kind for kind, _ in lines] == ["cashapp.accept", "cashapp.reject"]
    assert lines[0][1].startswith(f"cash application proposal {accepted.proposal_id} (")
    assert "accepted by admin API: applied 480.25" in lines[0][1] and "INV-A-1" in lines[0][1]
    assert lines[1][1].endswith("rejected by admin API; reason: paid twice by mistake")


def test_a_replay_through_the_api_is_audited_with_the_callers_address(make_hub):
    from tests.console.conftest import RECIPE, run_now

    hub = make_hub({}, {"orders.yaml": RECIPE})
    dead = run_now(hub, b'{"name": "ACME", "email": 42}')
    client = create_app(hub).test_client()
    answer = client.post(f"/api/v1/runs/{dead}/replay", headers=AUTH, environ_base={"REMOTE_ADDR": "10.8.0.4"})
    assert answer.status_code == 202, answer.get_json()
    with hub.sessions() as session:
        (line,) = session.scalars(select(AuditEntry).where(AuditEntry.kind == "replay")).all()
    assert (line.detail, line.remote_addr) == (f"run {dead} replayed by admin API", "10.8.0.4")

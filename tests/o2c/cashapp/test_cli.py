"""``o2c-hub cashapp proposals | accept`` and ``o2c-hub bank lines`` as an AR clerk types them:
candidate sets with their amounts, in words and as JSON; accepting the second one (with a reason,
audited); bank lines with their statement and state."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from hub.cli import main
from hub.hub import Hub
from hub.store.o2c import Invoice
from hub.store.platform import AuditEntry
from tests.console.ar_seed import twin_proposal


@pytest.fixture
def site(tmp_path):
    """A config file and its migrated database holding one proposal with two candidate sets."""
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"database": f"sqlite:///{tmp_path / 'hub.db'}", "recipes": []}))
    hub = Hub.from_config(config)
    hub.migrate()
    made = twin_proposal(hub.sessions, "INV-K-1", "INV-K-2", "2500.00")
    yield config, hub, made.proposal_id
    hub.close()


def cli(config, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_proposals_as_json_carry_amounts_and_every_candidate(site):
    config, _, proposal_id = site
    done = cli(config, "cashapp", "proposals", "--json")
    assert done.exit_code == 0, done.output
    (shown,) = json.loads(done.stdout)["proposals"]
    assert (shown["id"], shown["amount"], shown["currency"], shown["invoices"]) == (
        proposal_id, 2500.0, "EUR", ["INV-K-1"])
    assert [(c["rank"], c["score"], [(i["number"], i["open"], i["applied"]) for i in c["invoices"]], c["unapplied"])
            for c in shown["candidates"]] == [(1, 40, [("INV-K-1", 2500.0, 2500.0)], 0.0),
                                               (2, 38, [("INV-K-2", 2500.0, 2500.0)], 0.0)]
    assert '"amount": 2500.00' in done.stdout  # exact decimals, never through float


def test_the_listing_shows_each_candidate_with_its_amounts_and_reasons(site):
    config, _, proposal_id = site
    done = cli(config, "cashapp", "proposals")
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0] == (f"#{proposal_id} proposed bt-INV-K-1 2500.00 EUR (ACME GmbH) → INV-K-1 (score 40)")
    assert "  candidate 2: score 38, exact, applies 2500.00, unapplied 0.00, short 0.00" in lines
    assert "      INV-K-2 (Globex Corporation): open 2500.00, applied 2500.00" in lines
    assert "      - paid within 30 days of the due date (+3)" in lines


def test_accept_takes_a_candidate_and_a_reason_and_is_audited(site):
    config, hub, proposal_id = site
    refused = cli(config, "cashapp", "accept", str(proposal_id), "--candidate", "2")
    assert refused.exit_code == 1
    assert refused.stderr == "o2c-hub: say why candidate 2 is right rather than the best one (a reason)\n"
    done = cli(config, "cashapp", "accept", str(proposal_id), "--candidate", "2", "--reason", "Globex paid it")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["invoices"] == ["INV-K-2"]
    with hub.sessions() as session:
        statuses = dict(session.execute(select(Invoice.number, Invoice.status)).all())
        (line,) = session.scalars(select(AuditEntry.detail).where(AuditEntry.kind == "cashapp.accept")).all()
    assert (statuses["INV-K-1"], statuses["INV-K-2"]) == ("open", "paid")
    assert line.startswith(f"cash application proposal {proposal_id} (bank_transaction bt-INV-K-1, candidate 2) "
                           "accepted by the command line")
    assert line.endswith(": applied 2500.00 to INV-K-2; reason: Globex paid it")
    listed = cli(config, "cashapp", "proposals", "--status", "accepted")
    assert "  candidate 2: score 38, exact, applies 2500.00, unapplied 0.00, short 0.00  ← accepted" in listed.stdout


def test_accept_takes_an_allocation_of_ones_own_with_a_reason_and_is_audited(site):
    config, hub, proposal_id = site
    for args, message in [
        (["--allocate", "INV-K-1=1000.00"], "say why the payment is allocated this way (a reason)"),
        (["--allocate", "INV-K-1"], "--allocate takes INVOICE=AMOUNT, such as INV-2024-00042=120.50, not 'INV-K-1'"),
        (["--allocate", "INV-K-1=10", "--candidate", "2"], "give --candidate or --allocate, not both"),
        (["--allocate", "INV-K-1=2000", "--allocate", "INV-K-2=600", "--reason", "r"],
         "the allocation applies 2600.00 EUR, more than the payment of"),
    ]:
        refused = cli(config, "cashapp", "accept", str(proposal_id), *args)
        assert refused.exit_code == 1 and message in refused.stderr, (args, refused.stderr)
    done = cli(config, "cashapp", "accept", str(proposal_id), "--allocate", "INV-K-1=2000.00",
               "--allocate", "INV-K-2=400", "--reason", "as the customer's advice splits it")
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert (shown["invoices"], shown["credit"]) == (["INV-K-1", "INV-K-2"], 100.0)
    with hub.sessions() as session:
        dues = dict(session.execute(select(Invoice.number, Invoice.amount_due)).all())
        (line,) = session.scalars(select(AuditEntry.detail).where(AuditEntry.kind == "cashapp.accept")).all()
    assert (dues["INV-K-1"], dues["INV-K-2"]) == (500, 2100)
    assert ", an allocation of their own) accepted by the command line" in line
    assert line.endswith(": applied 2000.00 to INV-K-1, 400.00 to INV-K-2; reason: as the customer's advice splits it")


def test_bank_lines_with_statement_entry_and_state(site):
    config, _, proposal_id = site
    done = cli(config, "bank", "lines")
    assert done.exit_code == 0, done.output
    (line, total) = done.stdout.splitlines()
    assert "2500.00 EUR  proposed" in line and "statement STMT-2024-04 (DE02120300000000202051)" in line
    assert line.endswith("bt-INV-K-1") and total == "1 line"
    (shown,) = json.loads(cli(config, "bank", "lines", "--json", "--state", "proposed").stdout)["bank_lines"]
    assert (shown["proposal_id"], shown["statement"]["id"], shown["state"]) == (proposal_id, "STMT-2024-04", "proposed")
    assert cli(config, "bank", "lines", "--state", "accepted").stdout == "0 lines\n"

"""The reports through the store, the API and the CLI, on the book of test_metrics."""

from __future__ import annotations

from datetime import datetime, timezone

from click.testing import CliRunner

from hub import jsonutil
from hub.o2c.reports_cli import ar
from hub.store.upsert import upsert
from hub.web import create_app
from tests.o2c.reports.test_metrics import APPLICATIONS, INVOICES, PAYMENTS

AUTH = {"Authorization": "Bearer unit-admin-token"}


def stored_hub(make_hub):
    hub = make_hub({}, {})
    with hub.sessions.begin() as session:
        upsert(session, "customer", {"name": "ACME", "email": "ap@acme.example"})
        for entity, records in (("invoice", INVOICES), ("payment", PAYMENTS), ("payment_application", APPLICATIONS)):
            for record in records:
                upsert(session, entity, record)
    return hub


def test_api_answers_every_report_with_exact_amounts(make_hub):
    hub = stored_hub(make_hub)
    app = create_app(hub)
    client = app.test_client()
    aging = client.get("/api/v1/reports/aging?as_of=2024-03-31&currency=EUR", headers=AUTH)
    assert aging.status_code == 200
    assert b'"90+":250.00' in aging.data
    kpis = jsonutil.loads(client.get("/api/v1/reports/kpis?as_of=2024-03-31", headers=AUTH).data)
    assert sorted(kpis["currencies"]) == ["EUR", "USD"]
    eur = kpis["currencies"]["EUR"]
    assert (str(eur["dso"]), str(eur["cei"]), str(eur["unapplied_cash"])) == ("82.7", "51.9", "250.00")
    assert str(eur["customer_credit"]) == "100.00"
    assert datetime.fromisoformat(kpis["figures_at"]) <= datetime.now(timezone.utc)
    balances = jsonutil.loads(client.get("/api/v1/reports/balances?as_of=2024-03-31&currency=EUR",
                                         headers=AUTH).data)["currencies"]["EUR"]
    assert [str(balances[k]) for k in ("receivables", "customer_credit", "balance")] == ["1700.00", "100.00", "1600.00"]
    assert balances["customers"] == [
        {"customer_id": 1, "customer": "ACME", "open": jsonutil.loads("1700.00"), "credit": jsonutil.loads("0.00"),
         "balance": jsonutil.loads("1700.00")},
        {"customer_id": None, "customer": None, "open": jsonutil.loads("0.00"), "credit": jsonutil.loads("100.00"),
         "balance": jsonutil.loads("-100.00")}]
    assert client.get("/api/v1/reports/aging", headers={}).status_code == 401
    assert client.get("/api/v1/reports/nope", headers=AUTH).status_code == 404
    assert client.get("/api/v1/reports/dso?as_of=yesterday", headers=AUTH).status_code == 400


def test_cli_prints_a_table_or_json(make_hub, tmp_path):
    stored_hub(make_hub)
    config = str(tmp_path / "config.yaml")
    table = CliRunner().invoke(ar, ["aging", "--as-of", "2024-03-31", "--currency", "EUR"], obj=config)
    assert table.exit_code == 0, table.output
    assert table.output.splitlines() == [
        "aging on 2024-03-31 (EUR)",
        "  current          400.00",
        "  1-30             150.00",
        "  31-60            500.00",
        "  61-90            400.00",
        "  90+              250.00",
        "  total           1700.00",
    ]
    as_json = CliRunner().invoke(ar, ["dso", "--as-of", "2024-03-31", "--json", "--currency", "EUR"], obj=config)
    assert jsonutil.loads(as_json.output)["currencies"]["EUR"]["countback"] == jsonutil.loads("81.7")

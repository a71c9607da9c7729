"""`o2c-hub exceptions list` prints both amounts of every exception, "missing" for the side that lacks it."""

from __future__ import annotations

from decimal import Decimal

import yaml
from click.testing import CliRunner

from hub.cli import main
from hub.hub import Hub
from hub.o2c.reconcile import compare_lists, record_exceptions


def test_the_text_list_shows_both_amounts_of_every_kind(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": [], "connections": {}}))
    hub = Hub.from_config(config)
    hub.migrate()
    shop = [{"number": "1001", "total": "119.50"}, {"number": "1003", "total": "12.00"}]
    erp = [{"number": "1001", "total": Decimal("129.50")}, {"number": "2001", "total": Decimal("7.25")}]
    found = compare_lists(shop, erp, key=lambda r: r["number"], fields={"total": lambda r: r["total"]})
    with hub.sessions.begin() as session:
        record_exceptions(session, "storefront-vs-erp", found, run_id=None)
    hub.close()
    out = CliRunner().invoke(main, ["--config", str(config), "exceptions", "list"], catch_exceptions=False).output
    assert "mismatched  1001 total: 119.50 != 129.50  (open)" in out
    assert "missing_right  1003 total: 12.00 != missing  (open)" in out
    assert "missing_left  2001 total: missing != 7.25  (open)" in out
    assert out.rstrip().endswith("3 exception(s)")

"""Customer invoices and credit notes read from Odoo as the hub keeps them.

A canonical invoice names its customer's e-mail (invoice delivery sends to it) and the IBANs of
the active bank accounts of the partner and of its commercial partner (the company a contact
invoices for: cash application knows the payer by them), and carries its lines. For a page of
moves that is one read each of their partners, their bank accounts, their invoice lines, the
lines' products and taxes, whatever the page's size; the rows are paired by id, never by
position.

The ``invoices`` poll first searches the ids and write dates of the moves changed since the
cursor, oldest first, then reads the full records ``PAGE`` ids at a time: a page of reads stays
small however much changed, and the version of each record is the write date the search saw.

Odoo reads write_date to the second, so two changes within one second (an invoice posted and
paid, a split payment) share a version, and the hub keeps one copy per version. The poll
therefore reports a move only ``settle`` seconds after its write date (2 by default: the
second is over, and one more for the clocks of Odoo and the hub to differ): what it reads then
is the last state of that version, and a later change has a later write date. The cursor's
overlap brings the moves left for later back on the next poll.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors.common.customers import bank_account
from connectors.odoo import mapping
from hub.connector import Cursor, PolledRecord

PAGE = 200
CUSTOMER_MOVES = ("move_type", "in", ["out_invoice", "out_refund"])


class Invoices:
    """Read account.move records (customer invoices and credit notes) as canonical invoices."""

    def __init__(self, call: Callable[..., Any], *, system: str, settle: float = 2.0):
        self.call, self.system, self.settle = call, system, timedelta(seconds=settle)

    def canonical(self, moves: list[Mapping[str, Any]], *, action: str) -> list[dict[str, Any]]:
        """``moves`` (read with ``mapping.INVOICE_FIELDS``) as canonical invoices, in their order."""
        partners = {_id(m.get("partner_id")) for m in moves}
        emails = self.names("res.partner", partners, "email", action=action)
        accounts = self.bank_accounts(partners | {_id(m.get("commercial_partner_id")) for m in moves}, action=action)
        lines = self.read_ids("account.move.line", {i for m in moves for i in m.get("invoice_line_ids") or []},
                              mapping.INVOICE_LINE_FIELDS, action=action)
        products = self.names("product.product", {_id(line.get("product_id")) for line in lines.values()},
                              "default_code", action=action)
        taxes = self.read_ids("account.tax", {t for line in lines.values() for t in line.get("tax_ids") or []},
                              mapping.INVOICE_TAX_FIELDS, action=action)
        reversed_moves = self.read_ids("account.move", {_id(m.get("reversed_entry_id")) for m in moves},
                                       ["move_type", "ref", "invoice_origin"], action=action)
        orders = {i: mapping.order_number_of(row) for i, row in reversed_moves.items()}
        by_move: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
        for line in lines.values():
            by_move[_id(line.get("move_id"))].append(line)
        return [mapping.invoice_from_odoo(move, system=self.system, email=emails.get(_id(move.get("partner_id"))),
                                          bank_accounts=_accounts_of(move, accounts),
                                          lines=by_move.get(move["id"], []), products=products, taxes=taxes,
                                          order_number=orders.get(_id(move.get("reversed_entry_id"))))
                for move in moves]

    def by_ids(self, ids: list[int], *, action: str) -> dict[int, dict[str, Any]]:
        """The moves ``ids`` as canonical invoices, by id (a deleted one is left out)."""
        moves = list(self.read_ids("account.move", set(ids), mapping.INVOICE_FIELDS, action=action).values())
        return {move["id"]: record for move, record in zip(moves, self.canonical(moves, action=action))}

    def one(self, move: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """One move read with ``mapping.INVOICE_FIELDS`` as a canonical invoice."""
        [record] = self.canonical([move], action=action)
        return record

    def poll(self, cursor: Cursor, *, action: str = "poll") -> Iterator[PolledRecord]:
        """Customer invoices and credit notes written at or after the cursor, oldest first."""
        domain: list = [CUSTOMER_MOVES]
        if cursor.start is not None:
            domain.append(("write_date", ">=", mapping.odoo_timestamp(cursor.start)))
        stamps = self.call("account.move", "search_read", domain, ["write_date"], action=action,
                           order="write_date asc, id asc")
        latest = datetime.now(timezone.utc) - self.settle
        stamps = sorted((row for row in stamps if mapping.odoo_datetime(row["write_date"]) <= latest),
                        key=lambda row: (mapping.odoo_datetime(row["write_date"]), row["id"]))
        for offset in range(0, len(stamps), PAGE):
            page = stamps[offset:offset + PAGE]
            records = self.by_ids([row["id"] for row in page], action=action)
            for row in page:
                if row["id"] in records:  # deleted between the search and the read: nothing to report
                    yield PolledRecord(id=str(row["id"]), updated_at=mapping.odoo_datetime(row["write_date"]),
                                       data=records[row["id"]])

    def read_ids(self, model: str, ids: set, fields: list[str], *, action: str) -> dict[int, dict[str, Any]]:
        """``model`` rows of ``ids`` by id, in one search (none for no ids): archived partners and
        products included, an id that is gone left out (where ``read`` would fail)."""
        wanted = sorted(i for i in ids if isinstance(i, int))
        if not wanted:
            return {}
        rows = self.call(model, "search_read", [("id", "in", wanted)], fields, action=action,
                         context={"active_test": False})
        return {row["id"]: row for row in rows}

    def bank_accounts(self, partners: set, *, action: str) -> dict[int, list[dict[str, str]]]:
        """Each partner's active bank accounts that are IBANs (``res.partner.bank``, the bank's
        BIC with them), in Odoo's order, in one search."""
        wanted = sorted(i for i in partners if isinstance(i, int))
        if not wanted:
            return {}
        found: dict[int, list[dict[str, str]]] = defaultdict(list)
        for row in self.call("res.partner.bank", "search_read", [("partner_id", "in", wanted)],
                             ["partner_id", "acc_number", "bank_bic"], action=action):
            account = bank_account(row.get("acc_number"), row.get("bank_bic"))
            if account:
                found[_id(row["partner_id"])].append(account)
        return found

    def names(self, model: str, ids: set, field: str, *, action: str) -> dict[int, Any]:
        """id → ``field`` of the ``model`` rows ``ids`` (False values left out)."""
        return {i: row[field] for i, row in self.read_ids(model, ids, [field], action=action).items() if row.get(field)}


def _accounts_of(move: Mapping[str, Any], accounts: Mapping[int, list[dict[str, str]]]) -> list[dict[str, str]]:
    """The bank accounts of the move's partner and of its commercial partner (the company a
    contact invoices for, where Odoo keeps the accounts), each IBAN once."""
    owners = dict.fromkeys([_id(move.get("partner_id")), _id(move.get("commercial_partner_id"))])
    found = {account["iban"]: account for owner in owners for account in accounts.get(owner, [])}
    return list(found.values())


def _id(many2one: Any) -> Any:
    return many2one[0] if isinstance(many2one, (list, tuple)) and many2one else many2one

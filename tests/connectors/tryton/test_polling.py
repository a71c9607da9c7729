"""Polling pairs each changed record with its own data, whatever order Tryton answers in."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from connectors.tryton.polling import poll_changes
from hub.connector import Cursor

T0 = dt.datetime(2026, 11, 3, 9, 0, 0)


class FakeClient:
    """search_read answers the stamps; nothing else is asked of the client."""

    def __init__(self, stamps):
        self.stamps = stamps

    def search_read(self, model, domain, fields, *, action):
        return list(self.stamps)


class FakeInvoices:
    """canonical() answers in id order, as Tryton's ``read`` does, and skips deleted ids."""

    def __init__(self, states, deleted=()):
        self.states, self.deleted, self.asked = states, set(deleted), []

    def canonical(self, ids, *, action):
        self.asked.append(list(ids))
        return [{"number": f"INV-{i}", "status": self.states[i], "external_refs": [{"system": "tryton", "id": str(i)}]}
                for i in sorted(ids) if i not in self.deleted]


def connector(stamps, invoices):
    return SimpleNamespace(client=FakeClient(stamps), invoices=invoices)


def test_records_are_paired_by_id_not_by_the_order_of_the_read_answer():
    # Invoice 9 changed first, 3 last: the poll asks for [9, 5, 3], Tryton answers [3, 5, 9].
    stamps = [{"id": 3, "write_date": T0 + dt.timedelta(minutes=3), "create_date": T0},
              {"id": 9, "write_date": T0 + dt.timedelta(minutes=1), "create_date": T0},
              {"id": 5, "write_date": None, "create_date": T0 + dt.timedelta(minutes=2)}]
    invoices = FakeInvoices({3: "draft", 5: "paid", 9: "open"})
    polled = list(poll_changes(connector(stamps, invoices), "invoices", Cursor(start=None)))
    assert invoices.asked == [[9, 5, 3]]
    assert [(p.id, p.data["number"], p.data["status"]) for p in polled] == [
        ("9", "INV-9", "open"), ("5", "INV-5", "paid"), ("3", "INV-3", "draft")]
    assert [p.updated_at.minute for p in polled] == [1, 2, 3]


def test_a_record_deleted_between_search_and_read_is_left_out_and_shifts_nothing():
    stamps = [{"id": i, "write_date": T0 + dt.timedelta(minutes=i), "create_date": T0} for i in (1, 2, 3)]
    invoices = FakeInvoices({1: "open", 2: "open", 3: "paid"}, deleted={2})
    polled = list(poll_changes(connector(stamps, invoices), "invoices", Cursor(start=None)))
    assert [(p.id, p.data["number"], p.data["status"]) for p in polled] == [("1", "INV-1", "open"),
                                                                            ("3", "INV-3", "paid")]

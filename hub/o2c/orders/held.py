"""Orders that do not add up are held as exceptions the AR team sees in ``exceptions list``.

    with sessions.begin() as session:
        problem = hold_unless_adds_up(session, order, run_id=...)
    if problem:
        raise problem       # after the commit: the exception row stays

``hold_unless_adds_up`` records an order that does not add up as an open exception and
returns the OrderDoesNotAddUpError to raise; it resolves an open one when the order adds up.

An exception is one ReconciliationException of the reconciliation ``order-totals``: kind
``mismatched``, key the order number, field ``total``, left what the lines, shipping and taxes
come to, right the order's stated total. The run that found it is dead-lettered (retrying
cannot fix data); a corrected copy of the order that adds up resolves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import OrderDoesNotAddUpError
from hub.o2c.orders.totals import require_adds_up
from hub.store.base import utcnow
from hub.store.o2c_credit import ReconciliationException

RECONCILIATION = "order-totals"
KIND, FIELD = "mismatched", "total"


def hold_unless_adds_up(session: Session, order: Mapping[str, Any], *,
                        run_id: int | None) -> OrderDoesNotAddUpError | None:
    """Check a canonical sales order's total: a failure is kept as an open exception and
    returned, for the caller to raise once ``session`` is committed."""
    try:
        require_adds_up(order)
    except OrderDoesNotAddUpError as error:
        _open(session, error, run_id)
        return error
    found = _row(session, str(order["number"]))
    if found is not None and found.status == "open":
        found.status, found.resolved_at = "resolved", utcnow()
    return None


def _open(session: Session, error: OrderDoesNotAddUpError, run_id: int | None) -> None:
    now = utcnow()
    row = _row(session, error.number)
    if row is None:
        row = ReconciliationException(reconciliation=RECONCILIATION, kind=KIND, key=error.number,
                                      field=FIELD, first_seen_at=now)
        session.add(row)
    row.left_value, row.right_value = str(error.parts), str(error.total)
    row.status, row.run_id, row.last_seen_at, row.resolved_at = "open", run_id, now, None


def _row(session: Session, number: str) -> ReconciliationException | None:
    return session.scalar(select(ReconciliationException).where(
        ReconciliationException.reconciliation == RECONCILIATION, ReconciliationException.kind == KIND,
        ReconciliationException.key == number, ReconciliationException.field == FIELD))

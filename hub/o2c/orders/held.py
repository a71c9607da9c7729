"""Orders that do not add up are held as exceptions the AR team sees in ``exceptions list``.

    problem = hold_unless_adds_up(order, run_id=..., sessions=hub.sessions, write=ctx.write)
    if problem:
        raise problem       # its exception row is committed by then

``hold_unless_adds_up`` records an order that does not add up as an open exception and
returns the OrderDoesNotAddUpError to raise; it resolves an open one when the order adds up.
An order that adds up with no open exception (nearly every order) costs one indexed read and
writes nothing; a write goes through ``write`` (the run's group commit).

An exception is one ReconciliationException of the reconciliation ``order-totals``: kind
``mismatched``, key the order number, field ``total``, left what the lines, shipping and taxes
come to, right the order's stated total. The run that found it is dead-lettered (retrying
cannot fix data); a corrected copy of the order that adds up resolves it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import OrderDoesNotAddUpError
from hub.o2c.orders.totals import require_adds_up
from hub.store.base import utcnow
from hub.store.o2c_credit import ReconciliationException

RECONCILIATION = "order-totals"
KIND, FIELD = "mismatched", "total"


def hold_unless_adds_up(order: Mapping[str, Any], *, run_id: int | None, sessions: sessionmaker,
                        write: Callable[[Callable[[Session], Any]], Any]) -> OrderDoesNotAddUpError | None:
    """Check a canonical sales order's total: a failure is kept as an open exception (written
    through ``write``) and returned, for the caller to raise."""
    try:
        require_adds_up(order)
    except OrderDoesNotAddUpError as error:
        write(partial(_open, error=error, run_id=run_id))
        return error
    number = str(order["number"])
    with sessions() as session:
        held = session.execute(_OPEN, {"key": number}).first()
    if held is not None:
        write(partial(_resolve, number=number))
    return None


def _open(session: Session, *, error: OrderDoesNotAddUpError, run_id: int | None) -> None:
    now = utcnow()
    row = _row(session, error.number)
    if row is None:
        row = ReconciliationException(reconciliation=RECONCILIATION, kind=KIND, key=error.number,
                                      field=FIELD, first_seen_at=now)
        session.add(row)
    row.left_value, row.right_value = str(error.parts), str(error.total)
    row.status, row.run_id, row.last_seen_at, row.resolved_at = "open", run_id, now, None


def _resolve(session: Session, *, number: str) -> None:
    found = _row(session, number)
    if found is not None and found.status == "open":
        found.status, found.resolved_at = "resolved", utcnow()


def _row(session: Session, number: str) -> ReconciliationException | None:
    return session.scalar(select(ReconciliationException).where(
        ReconciliationException.reconciliation == RECONCILIATION, ReconciliationException.kind == KIND,
        ReconciliationException.key == number, ReconciliationException.field == FIELD))


# Is the order held? Built once: it is asked for every order a recipe validates.
_OPEN = select(ReconciliationException.id).where(
    ReconciliationException.reconciliation == RECONCILIATION, ReconciliationException.kind == KIND,
    ReconciliationException.key == bindparam("key"), ReconciliationException.field == FIELD,
    ReconciliationException.status == "open")

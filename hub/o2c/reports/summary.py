"""One currency's receivables book as sums the database worked out: everything the metrics read
(:class:`~hub.o2c.reports.book.Receivables`) with no invoice or payment in memory. Pure;
hub.o2c.reports.sums reads the sums from the store.

What an invoice owed at the end of day D (hub.o2c.reports.book) is nothing before its issue
day, and after it

    max(min(still due, total − every settlement) + its settlements dated after D, 0)

For nearly every invoice — still due ≥ 0, no settlement below 0, and still due + every
settlement ≤ total — the min is the amount still due and the max changes nothing, so from its
issue day it owes

    still due + its settlements dated after D

That adds up over invoices day by day: on its issue day an invoice adds its amount still due
and its dated settlements, and each settlement takes itself off on its own day (on the issue
day, if it came first). So the sums of the amounts still due per (issue day, due day) and of
the settlements per (issue day, due day, settlement day) are all a report needs, however many
invoices there are. AR more than k days past due is the same sum starting on the later of the
issue day and the due day + k + 1 days.

The invoices the short form misses (:class:`Exact`, few: a refund credit note of a paid
invoice, a reversal, an ERP figure above the total) also come one by one with their
settlements; each adds what it really owed less what the short form counted for it.

Amounts are whole ten-thousandths (:data:`SCALE`), exact for every currency's minor unit; a
figure is turned into a Decimal at the currency's minor unit once, at the end.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hub.money import quantize
from hub.o2c.receivables import Credit

#: Amounts arrive as whole 10**-SCALE of the currency (the store keeps 4 decimals).
SCALE = 4

# (issue day, due day, amount): what invoices issued and due on those days still owe, summed.
Opened = tuple[date | None, date | None, int]
# (issue day, due day, settlement day, amount): their settlements of that day, summed.
Settled = tuple[date | None, date | None, date, int]


def start_of(more_than: int | None, issued: date | None, due: date | None) -> date | None:
    """The first day an invoice counts in AR (``more_than`` None) or in AR more than
    ``more_than`` days past due; None: never (no due date is never past due)."""
    first = issued or date.min
    if more_than is None:
        return first
    if due is None:
        return None
    return max(first, due + timedelta(days=more_than + 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Exact:
    """An invoice summed one by one, with every settlement ((day or None, amount))."""

    issued: date | None
    due: date | None
    still_due: int
    total: int
    settlements: tuple[tuple[date | None, int], ...]
    _owing: int = field(init=False, repr=False, compare=False)  # min(still due, total − every settlement)
    _days: list[date] = field(init=False, repr=False, compare=False)  # dated settlements' days, sorted
    _later: list[int] = field(init=False, repr=False, compare=False)  # what settled from each of those days on

    def __post_init__(self) -> None:
        everything = sum(amount for _, amount in self.settlements)
        object.__setattr__(self, "_owing", min(self.still_due, self.total - everything))
        days, later = _settled_after(sorted((day, amount) for day, amount in self.settlements if day is not None))
        object.__setattr__(self, "_days", days)
        object.__setattr__(self, "_later", later)

    def correction(self, more_than: int | None, day: date) -> int:
        """What it owed at the end of ``day`` less what the short form counted for it."""
        start = start_of(more_than, self.issued, self.due)
        if start is None or start > day:
            return 0
        later = self._later[bisect_right(self._days, day)]
        return max(self._owing + later, 0) - (self.still_due + later)


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """The sums of one currency's book (see the module docstring), and the figures from them.

    ``records`` counts the invoices, credit notes and payments the book holds; ``unapplied_on``
    is the cash received and not applied at the end of one day: (day, amount, payments);
    ``matched`` is :meth:`Receivables.match_counts`.
    """

    currency: str
    records: int = 0
    opened: tuple[Opened, ...] = ()
    settled: tuple[Settled, ...] = ()
    exact: tuple[Exact, ...] = ()
    sales: tuple[tuple[date, int], ...] = ()  # invoices' totals by issue day
    credited: tuple[tuple[date, int], ...] = ()  # credit notes' totals by issue day
    credits: tuple[Credit, ...] = ()
    unapplied_on: tuple[date, int, int] | None = None
    matched: tuple[int, int, str] = (0, 0, "payment_applications")
    # Worked out on first use and kept: a kept Summary answers requests of several threads, so
    # each is set whole (a thread that finds it missing works out the same again).
    _groups: list[_Group] | None = field(default=None, repr=False, compare=False)
    _series: dict[int | None, tuple[list[date], list[int]]] = field(default_factory=dict, repr=False, compare=False)
    _owed_on: dict[tuple[int | None, date], int] = field(default_factory=dict, repr=False, compare=False)
    _running: dict[str, tuple[list[date], list[int]]] = field(default_factory=dict, repr=False, compare=False)

    def money(self, amount: Any) -> Decimal:
        return quantize(amount, self.currency)

    def _decimal(self, units: int) -> Decimal:
        return self.money(Decimal(units).scaleb(-SCALE))

    def receivables(self, day: date) -> Decimal:
        """Total AR at the end of ``day``."""
        return self._decimal(self._owed(None, day))

    def past_due(self, day: date, more_than: int) -> Decimal:
        """AR more than ``more_than`` days past due at the end of ``day``."""
        return self._decimal(self._owed(more_than, day))

    def current_receivables(self, day: date) -> Decimal:
        """AR not yet past due at the end of ``day`` (no due date counts as current)."""
        return self.money(self.receivables(day) - self.past_due(day, 0))

    def _owed(self, more_than: int | None, day: date) -> int:
        found = self._owed_on.get((more_than, day))
        if found is None:
            days, running = self._series_of(more_than)
            found = running[bisect_right(days, day)] + sum(item.correction(more_than, day) for item in self.exact)
            self._owed_on[more_than, day] = found
        return found

    def _series_of(self, more_than: int | None) -> tuple[list[date], list[int]]:
        """Days on which the short-form sum changes, and the sum up to each (0 before the first)."""
        found = self._series.get(more_than)
        if found is None:
            groups = self._groups
            if groups is None:
                groups = _groups(self.opened, self.settled)
                object.__setattr__(self, "_groups", groups)
            changes: dict[date, int] = {}
            for group in groups:
                group.add_changes(changes, start_of(more_than, group.issued, group.due))
            found = self._series[more_than] = _running_totals(sorted(changes.items()))
        return found

    def credit_sales(self, start: date, end: date) -> Decimal:
        """Net credit sales issued after ``start`` up to and including ``end``: invoices − credit notes."""
        if end <= start:
            return self.money(0)
        return self._decimal(self._issued_between("sales", start, end) - self._issued_between("credited", start, end))

    def _issued_between(self, kind: str, start: date, end: date) -> int:
        if kind not in self._running:
            self._running[kind] = _running_totals(sorted(getattr(self, kind)))
        days, running = self._running[kind]
        return running[bisect_right(days, end)] - running[bisect_right(days, start)]

    def credit(self, day: date) -> Decimal:
        """Customer credit held at the end of ``day``."""
        held = (c.amount for c in self.credits if c.applied_at is None or c.applied_at.date() <= day)
        return self.money(sum(held, Decimal(0)))

    def unapplied(self, day: date) -> tuple[Decimal, int]:
        """Cash received by ``day`` and not applied by then: the amount and the payments (only
        for the day the sums were read for)."""
        if self.unapplied_on is None or self.unapplied_on[0] != day:
            on = self.unapplied_on[0] if self.unapplied_on else None
            raise ValueError(f"unapplied cash was summed for {on}, not for {day}")
        return self._decimal(self.unapplied_on[1]), self.unapplied_on[2]

    def match_counts(self) -> tuple[int, int, str]:
        """(payments matched automatically, payments decided, where the figures came from)."""
        return self.matched


@dataclass(frozen=True, slots=True)
class _Group:
    """The invoices issued and due on the same days: what they still owe, and their dated
    settlements by day (sorted) with what settled from each day on."""

    issued: date | None
    due: date | None
    opened: int
    days: list[date]
    amounts: list[int]
    later: list[int]

    def add_changes(self, changes: dict[date, int], start: date | None) -> None:
        """From ``start`` they count what they still owe and what settles after ``start``; each
        such settlement stops counting on its day (one settled by ``start`` never counts)."""
        if start is None:
            return
        first = bisect_right(self.days, start)
        changes[start] = changes.get(start, 0) + self.opened + self.later[first]
        for day, amount in zip(self.days[first:], self.amounts[first:]):
            changes[day] = changes.get(day, 0) - amount


def _groups(opened: tuple[Opened, ...], settled: tuple[Settled, ...]) -> list[_Group]:
    by_days: dict[tuple[date | None, date | None], list[tuple[date, int]]] = {}
    for issued, due, day, amount in settled:
        by_days.setdefault((issued, due), []).append((day, amount))
    owing = {(issued, due): amount for issued, due, amount in opened}
    out = []
    for key in owing.keys() | by_days.keys():
        ordered = sorted(by_days.get(key, ()))
        days, later = _settled_after(ordered)
        out.append(_Group(key[0], key[1], owing.get(key, 0), days, [amount for _, amount in ordered], later))
    return out


def _settled_after(ordered: list[tuple[date, int]]) -> tuple[list[date], list[int]]:
    """Days (sorted) and, for each index i, the sum of the amounts from i on (one more: 0)."""
    later = [0] * (len(ordered) + 1)
    for i in range(len(ordered) - 1, -1, -1):
        later[i] = later[i + 1] + ordered[i][1]
    return [day for day, _ in ordered], later


def _running_totals(changes: list[tuple[date, int]]) -> tuple[list[date], list[int]]:
    running = [0]
    for _, amount in changes:
        running.append(running[-1] + amount)
    return [day for day, _ in changes], running

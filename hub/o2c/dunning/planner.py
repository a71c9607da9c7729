"""The dunning planner: invoices + history + policy + a date → the notices to send. Pure.

For each invoice with an amount still due (``hub.o2c.receivables``: the ERP's amount due, at
the currency's minor unit; never a credit note, a draft, or a void, credited or written-off
invoice) and a due date, that is not disputed and has no promise to pay running (a promise
holds until its date, inclusive), the invoice's *due level* is the highest level of the policy

    * whose ``days`` have passed: as_of − due_date ≥ level.days (negative days: before due),
    * whose ``min_amount`` the invoice's amount due reaches,
    * that is above every level the invoice was already listed at (never the same level twice).

Each customer with at least one such invoice gets ONE notice, at the highest due level among
their invoices, listing all of them (each at its own due level, the level it is recorded at) —
unless the customer's previous notice under this policy is fewer than that level's
``min_days_between`` days old, in which case the customer gets nothing this run. An invoice
with nothing left to pay is never listed again. A level of 1 day or more lists exactly the
invoices ``hub.o2c.receivables.is_overdue`` calls overdue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hub.idempotency import effect_key
from hub.o2c.dunning.policy import Level, Policy
from hub.o2c.receivables import amount_still_due, days_past_due, due_date


@dataclass(frozen=True, slots=True, kw_only=True)
class SentNotice:
    """History: an invoice listed at ``level`` in a notice to ``customer`` on ``as_of``."""

    invoice: str
    level: str
    customer: str
    as_of: date


@dataclass(frozen=True, slots=True, kw_only=True)
class Collection:
    """What collections knows about an invoice."""

    disputed: bool = False
    promised_until: date | None = None

    def holds_on(self, as_of: date) -> bool:
        """True while the invoice must not be dunned: in dispute, or a promise not yet due."""
        return self.disputed or (self.promised_until is not None and as_of <= self.promised_until)


@dataclass(frozen=True, slots=True, kw_only=True)
class DunnedInvoice:
    """One invoice in a notice, at its own due level."""

    number: str
    level: str
    due_date: date
    days_past_due: int
    amount_due: Decimal
    currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedNotice:
    """One notice to one customer: its level, its invoices and its idempotency key."""

    policy: str
    customer: str
    customer_ref: Mapping[str, Any]
    level: Level
    invoices: tuple[DunnedInvoice, ...]
    as_of: date

    @property
    def key(self) -> str:
        """Ledger key: the same customer, level and invoice levels never send twice."""
        listed = ",".join(f"{i.number}@{i.level}" for i in self.invoices)
        return effect_key("dunning", self.policy, self.customer, self.level.name, listed)

    def totals(self) -> dict[str, Decimal]:
        """Amount due per currency."""
        out: dict[str, Decimal] = {}
        for item in self.invoices:
            out[item.currency] = out.get(item.currency, Decimal(0)) + item.amount_due
        return out


def customer_key(customer: Mapping[str, Any] | None) -> str | None:
    """How dunning names a customer: e-mail, else tax id, else name, else its first external id."""
    customer = customer or {}
    for field in ("email", "tax_id", "name"):
        if customer.get(field):
            return f"{field}:{customer[field]}"
    refs = customer.get("external_refs") or []
    return f"{refs[0]['system']}:{refs[0]['id']}" if refs else None


def plan(invoices: Iterable[Mapping[str, Any]], history: Iterable[SentNotice], policy: Policy,
         as_of: date, collections: Mapping[str, Collection] | None = None) -> list[PlannedNotice]:
    """The notices ``policy`` prescribes on ``as_of`` (see the module docstring), by customer."""
    history = list(history)
    collections = collections or {}
    reached = _levels_reached(history, policy)
    by_customer: dict[str, list[tuple[int, Mapping[str, Any], DunnedInvoice]]] = {}
    for invoice in invoices:
        found = _due_level(invoice, policy, as_of, reached.get(invoice["number"], -1), collections)
        if found is not None:
            by_customer.setdefault(found[2], []).append((found[0], invoice, found[1]))
    last_notice = _last_notice(history)
    notices = []
    for customer, items in sorted(by_customer.items()):
        notice = _notice(policy, customer, items, as_of, last_notice.get(customer))
        if notice is not None:
            notices.append(notice)
    return notices


def _levels_reached(history: list[SentNotice], policy: Policy) -> dict[str, int]:
    """The highest level rank each invoice was listed at."""
    reached: dict[str, int] = {}
    for sent in history:
        reached[sent.invoice] = max(reached.get(sent.invoice, -1), policy.rank(sent.level))
    return reached


def _last_notice(history: list[SentNotice]) -> dict[str, date]:
    last: dict[str, date] = {}
    for sent in history:
        last[sent.customer] = max(last.get(sent.customer, sent.as_of), sent.as_of)
    return last


def _due_level(invoice: Mapping[str, Any], policy: Policy, as_of: date, reached: int,
               collections: Mapping[str, Collection]) -> tuple[int, DunnedInvoice, str] | None:
    """(rank, invoice line, customer) of the invoice's due level, or None if it is not dunned."""
    customer = customer_key(invoice.get("customer"))
    amount_due, due = amount_still_due(invoice), due_date(invoice)
    if due is None or customer is None or amount_due <= 0:
        return None
    state = collections.get(invoice["number"])
    if state is not None and state.holds_on(as_of):
        return None
    late = days_past_due(invoice, as_of)
    for rank in range(len(policy.levels) - 1, reached, -1):
        level = policy.levels[rank]
        if late >= level.days and amount_due >= level.min_amount:
            line = DunnedInvoice(number=invoice["number"], level=level.name, due_date=due,
                                 days_past_due=late, amount_due=amount_due, currency=invoice["currency"])
            return rank, line, customer
    return None


def _notice(policy: Policy, customer: str, items: list[tuple[int, Mapping[str, Any], DunnedInvoice]],
            as_of: date, last: date | None) -> PlannedNotice | None:
    """The customer's notice at their highest due level, unless the last one is too recent."""
    top = max(rank for rank, _, _ in items)
    level = policy.levels[top]
    if last is not None and (as_of - last).days < level.min_days_between:
        return None
    ordered = sorted(items, key=lambda item: (item[2].due_date, item[2].number))
    return PlannedNotice(policy=policy.name, customer=customer, customer_ref=ordered[0][1].get("customer") or {},
                         level=level, invoices=tuple(line for _, _, line in ordered), as_of=as_of)

"""Candidate invoice sets for one remittance, scored, and the decision; no database.

    references in the texts ──> hits (open invoices named)
    customers (source, IBAN, referenced invoices, payer name) ──> evidence
    candidates: each named invoice, all named invoices together, each identified customer's
                invoices that fit the amount (one, or a bounded subset sum of several), the
                customer's oldest open invoice, and anyone's invoice of exactly this amount
    decision:   auto      best ≥ auto_score and ≥ margin ahead of the runner-up
                proposal  best ≥ propose_score, for a person to accept or reject
                unmatched nothing worth proposing: the money waits as unapplied cash
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import combinations, islice

from hub.money import to_minor_units
from hub.o2c.cashapp.allocation import Allocation, Tolerance, allocate
from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice
from hub.o2c.cashapp.customers import CustomerDirectory, Evidence
from hub.o2c.cashapp.normalize import Remittance
from hub.o2c.cashapp.references import number_key, rf_references_in, stripe_ids_in
from hub.o2c.cashapp.scoring import Hit, score

_FITTING = ("exact", "discount", "short")


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Thresholds of the matcher (see docs/cash-application.md)."""

    auto_score: int = 70
    margin: int = 20
    propose_score: int = 30
    tolerance: Tolerance = field(default_factory=Tolerance)
    subset_candidates: int = 8
    subset_size: int = 4
    subset_combinations: int = 300
    customers: int = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """An invoice set with its allocation, points and reasons."""

    invoices: tuple[OpenInvoice, ...]
    allocation: Allocation
    score: int
    reasons: tuple[str, ...]

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(i.number for i in self.invoices)

    @property
    def customer_id(self) -> int | None:
        return self.invoices[0].customer_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What to do with a remittance: ``status`` auto, proposal or unmatched."""

    remittance: Remittance
    status: str
    best: Candidate | None
    runner_up: Candidate | None
    reasons: tuple[str, ...]


class Matcher:
    """Matches remittances against an :class:`InvoiceBook` and a :class:`CustomerDirectory`."""

    def __init__(self, book: InvoiceBook, customers: CustomerDirectory, policy: Policy | None = None):
        self.book = book
        self.customers = customers
        self.policy = policy or Policy()

    def match(self, remittance: Remittance) -> Decision:
        """The decision for one remittance."""
        hits = self.references(remittance)
        evidence = self.customers.identify(remittance, {self.book.by_id[i].customer_id for i in hits} - {None})
        sets = self._candidate_sets(remittance, hits, evidence)
        ranked = sorted((self._candidate(remittance, s, hits, evidence, sets) for s in sets),
                        key=lambda c: (-c.score, c.numbers))
        return self._decide(remittance, ranked)

    # --- references -----------------------------------------------------------------------------

    def references(self, remittance: Remittance) -> dict[int, Hit]:
        """Open invoices (in the remittance's currency) the texts name, by invoice id."""
        hits: dict[int, Hit] = {}
        for text in remittance.texts:
            for ref in rf_references_in(text):
                self._hit(hits, remittance, self._keyed(ref[4:]), Hit(kind="rf", text=ref))
            for stripe_id in stripe_ids_in(text):
                found = self.book.by_stripe.get(stripe_id)
                self._hit(hits, remittance, [found] if found else [], Hit(kind="stripe", text=stripe_id))
            for key, prefixed in self.book.formats.keys_in(text):
                kind = "number" if prefixed else "bare"
                self._hit(hits, remittance, self.book.by_key.get(key, []), Hit(kind=kind, text=text[:60]))
        return hits

    def _keyed(self, payload: str) -> list[OpenInvoice]:
        keys = [key for key, _ in self.book.formats.keys_in(payload)] or [number_key(payload)]
        return [i for key in keys for i in self.book.by_key.get(key, [])]

    @staticmethod
    def _hit(hits: dict[int, Hit], remittance: Remittance, invoices: list[OpenInvoice], hit: Hit) -> None:
        rank = ("bare", "number", "stripe", "rf")
        for invoice in invoices:
            known = hits.get(invoice.id)
            if invoice.currency == remittance.currency and (known is None or rank.index(hit.kind) > rank.index(known.kind)):
                hits[invoice.id] = replace(hit, number=invoice.number)

    # --- candidate sets -------------------------------------------------------------------------

    def _candidate_sets(self, remittance: Remittance, hits: dict[int, Hit],
                        evidence: dict[int, Evidence]) -> list[tuple[OpenInvoice, ...]]:
        named = tuple(self.book.by_id[i] for i in sorted(hits))
        sets: dict[tuple[int, ...], tuple[OpenInvoice, ...]] = {}
        for invoices in [*((i,) for i in named), named]:
            _add(sets, invoices)
        for customer_id in _strongest(evidence, self.policy.customers):
            for invoices in self._customer_sets(remittance, customer_id):
                _add(sets, invoices)
        same_amount = self.book.by_amount.get((remittance.currency, remittance.amount), {})
        for invoice in islice(same_amount.values(), 10):
            _add(sets, (invoice,))
        return list(sets.values())

    def _customer_sets(self, remittance: Remittance, customer_id: int) -> list[tuple[OpenInvoice, ...]]:
        mine = [i for i in self.book.by_customer.get(customer_id, []) if i.currency == remittance.currency]
        if not mine:
            return []
        fitting = [(i,) for i in mine[:50] if self._fits((i,), remittance)]
        if fitting:
            return fitting + [(mine[0],)]
        return self._subset_sums(remittance, mine[:self.policy.subset_candidates]) + [(mine[0],)]

    def _fits(self, invoices: tuple[OpenInvoice, ...], remittance: Remittance) -> bool:
        if len(invoices) == 1:
            return self._single_fits(invoices[0], remittance)
        allocation = allocate(remittance.amount, invoices, remittance.on, self.policy.tolerance)
        return allocation.fit in _FITTING

    def _single_fits(self, invoice: OpenInvoice, remittance: Remittance) -> bool:
        short = invoice.open - remittance.amount
        return (short == 0 or self.policy.tolerance.allows(short, invoice.open)
                or invoice.discount is not None and invoice.discounted(remittance.on) == remittance.amount)

    def _subset_sums(self, remittance: Remittance, pool: list[OpenInvoice]) -> list[tuple[OpenInvoice, ...]]:
        """Sets of 2 to ``subset_size`` invoices whose open amounts add up to the payment (or just
        short of it within tolerance), trying at most ``subset_combinations`` sets."""
        target = to_minor_units(remittance.amount, remittance.currency)
        slack = to_minor_units(self.policy.tolerance.absolute, remittance.currency)
        cents = {i.id: to_minor_units(i.open, i.currency) for i in pool}
        found, tried = [], 0
        for size in range(2, min(self.policy.subset_size, len(pool)) + 1):
            for combo in combinations(pool, size):
                tried += 1
                if tried > self.policy.subset_combinations:
                    return found
                if 0 <= sum(cents[i.id] for i in combo) - target <= slack and self._fits(combo, remittance):
                    found.append(combo)
        return found

    # --- scoring and decision -------------------------------------------------------------------

    def _candidate(self, remittance: Remittance, invoices: tuple[OpenInvoice, ...], hits: dict[int, Hit],
                   evidence: dict[int, Evidence], sets: list[tuple[OpenInvoice, ...]]) -> Candidate:
        allocation = allocate(remittance.amount, invoices, remittance.on, self.policy.tolerance)
        owner = self.customers.ibans.get(remittance.payer_iban) if remittance.payer_iban else None
        scored = score(remittance, invoices, allocation, hits, evidence,
                       unique=self._unique(remittance, invoices, evidence, sets), iban_owner=owner)
        return Candidate(invoices=invoices, allocation=allocation, score=scored.points, reasons=scored.reasons)

    def _unique(self, remittance: Remittance, invoices: tuple[OpenInvoice, ...],
                evidence: dict[int, Evidence], sets: list[tuple[OpenInvoice, ...]]) -> bool:
        """True when the set is the only fitting set of one identified customer (a combination
        only when every open invoice of the customer was searched)."""
        owner = invoices[0].customer_id
        if owner not in evidence or any(i.customer_id != owner for i in invoices):
            return False
        if len(invoices) > 1 and len(self.book.by_customer.get(owner, ())) > self.policy.subset_candidates:
            return False
        fitting = [s for s in sets if s[0].customer_id == owner and self._fits(s, remittance)]
        return fitting == [invoices]

    def _decide(self, remittance: Remittance, ranked: list[Candidate]) -> Decision:
        best = ranked[0] if ranked else None
        runner_up = ranked[1] if len(ranked) > 1 else None
        if best is None or best.score < self.policy.propose_score:
            return Decision(remittance=remittance, status="unmatched", best=best, runner_up=runner_up,
                            reasons=("no candidate invoice scores high enough",))
        gap = best.score - (runner_up.score if runner_up else 0)
        margin = (f"{gap} points ahead of {', '.join(runner_up.numbers)}" if runner_up
                  else "no other candidate")
        auto = best.score >= self.policy.auto_score and gap >= self.policy.margin
        return Decision(remittance=remittance, status="auto" if auto else "proposal", best=best,
                        runner_up=runner_up, reasons=(*best.reasons, f"score {best.score}, {margin}"))


def _add(sets: dict, invoices: tuple[OpenInvoice, ...]) -> None:
    if invoices:
        sets.setdefault(tuple(sorted(i.id for i in invoices)), invoices)


def _strongest(evidence: dict[int, Evidence], limit: int) -> list[int]:
    def strength(e: Evidence) -> tuple:
        return (e.given, e.iban, e.referenced, e.name_score)
    return [e.customer_id for e in sorted(evidence.values(), key=strength, reverse=True)[:limit]]


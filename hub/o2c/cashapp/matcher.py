"""Candidate invoice sets for one remittance, scored, and the decision; no database.

    references in the texts ──> hits (open invoices named)
    customers (source, IBAN, referenced invoices, payer name) ──> evidence
    candidates: each named invoice, all named invoices together, each identified customer's
                invoices that fit the amount (one, or a bounded subset sum of several), the
                customer's oldest open invoice, and anyone's invoice of exactly this amount
    ranking:    the best ``Policy.candidates`` sets (5), each with its allocation and reasons
    decision:   auto      best ≥ auto_score, ≥ margin ahead of the runner-up, and it explains
                          the whole payment (hub.o2c.cashapp.explain)
                proposal  best ≥ propose_score, for a person to accept or reject, with what
                          kept it from being applied
                unmatched nothing worth proposing: the money waits as unapplied cash
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from hub.o2c.cashapp.allocation import Allocation, Tolerance, allocate, fit_of
from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice, minor_units
from hub.o2c.cashapp.customers import CustomerDirectory, Evidence
from hub.o2c.cashapp.explain import Mention, unexplained
from hub.o2c.cashapp.normalize import Remittance
from hub.o2c.cashapp.policy import Policy
from hub.o2c.cashapp.references import number_key
from hub.o2c.cashapp.structured import rf_references_in, stripe_ids_in
from hub.o2c.cashapp.scoring import Hit, Reason, points, score, upper_bound
from hub.o2c.cashapp.subsets import subsets_summing_to

__all__ = ["Candidate", "Decision", "Matcher", "Mention", "Policy"]
_FITTING = ("exact", "discount", "short")
_RANK = {kind: rank for rank, kind in enumerate(("bare", "keyword", "number", "stripe", "rf", "payment_reference"))}


@dataclass(frozen=True, slots=True, kw_only=True)
class Scoring:
    """What one match scores its sets with: the remittance, the open invoices it names, the
    customers found, the owners of the payer's IBAN, and the tolerance."""

    remittance: Remittance
    hits: dict[int, Hit]
    evidence: dict[int, Evidence]
    iban_owners: tuple[int, ...]
    tolerance: Tolerance


class Candidate:
    """An invoice set with its points, its allocation and its reasons (their points add up to
    ``score``). The allocation and the reasons are worked out when first read: counting a set
    is cheap, wording it is not, and most decisions only ever read the best one's."""

    __slots__ = ("invoices", "fit", "score", "_unique", "_scoring", "_allocation", "_reasons")

    def __init__(self, *, invoices: tuple[OpenInvoice, ...], fit: str, score: int, unique: bool, scoring: Scoring):
        self.invoices, self.fit, self.score = invoices, fit, score
        self._unique, self._scoring = unique, scoring
        self._allocation: Allocation | None = None
        self._reasons: tuple[Reason, ...] | None = None

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(i.number for i in self.invoices)

    @property
    def customer_id(self) -> int | None:
        return self.invoices[0].customer_id

    @property
    def scoring(self) -> Scoring:
        """What the set was scored with (the remittance, references, customers found)."""
        return self._scoring

    @property
    def unique(self) -> bool:
        """The only set of an identified customer that fits the amount."""
        return self._unique

    @property
    def allocation(self) -> Allocation:
        """How the payment spreads over the set."""
        if self._allocation is None:
            r = self._scoring.remittance
            self._allocation = allocate(r.amount, self.invoices, r.on, self._scoring.tolerance)
        return self._allocation

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Why the set scores what it does, signal by signal."""
        if self._reasons is None:
            s = self._scoring
            self._reasons = score(s.remittance, self.invoices, self.fit, s.hits, s.evidence, unique=self._unique,
                                  iban_owners=s.iban_owners).reasons
        return self._reasons

    def __repr__(self) -> str:
        return f"Candidate({', '.join(self.numbers)}: {self.score} points, {self.fit})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What to do with a remittance: ``status`` auto, proposal or unmatched; ``candidates`` best
    first; ``reasons`` the best candidate's in words, the margin, and what the best set leaves
    unexplained (``held``: why it was not applied without a person)."""

    remittance: Remittance
    status: str
    candidates: tuple[Candidate, ...]
    reasons: tuple[str, ...]
    held: tuple[str, ...] = ()

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def runner_up(self) -> Candidate | None:
        return self.candidates[1] if len(self.candidates) > 1 else None


class Matcher:
    """Matches remittances against an :class:`InvoiceBook` and a :class:`CustomerDirectory`."""

    def __init__(self, book: InvoiceBook, customers: CustomerDirectory, policy: Policy | None = None):
        self.book = book
        self.customers = customers
        self.policy = policy or Policy()
        self._slacks: dict[str, int] = {}
        self._grace = timedelta(days=self.policy.tolerance.discount_grace_days)

    def match(self, remittance: Remittance) -> Decision:
        """The decision for one remittance."""
        hits, mentions, evidence = self.read(remittance)
        sets, searched = self._candidate_sets(remittance, hits, evidence)
        ranked = self._ranked(remittance, sets, searched, hits, evidence)
        return self._decide(remittance, ranked, mentions)

    def read(self, remittance: Remittance) -> tuple[dict[int, Hit], list[Mention], dict[int, Evidence]]:
        """What the remittance says: the open invoices it names (with whether each fits the
        amount), every reference found, and the customers it points at."""
        hits, mentions = self.references(remittance)
        evidence = self.customers.identify(remittance, {self.book.by_id[i].customer_id for i in hits} - {None})
        return hits, mentions, evidence

    # --- references -----------------------------------------------------------------------------

    def references(self, remittance: Remittance) -> tuple[dict[int, Hit], list[Mention]]:
        """Open invoices (in the remittance's currency) the texts name, by invoice id, each with
        whether it fits the amount; and every reference found (each once), with the open invoices
        it names (none: no open invoice)."""
        found: dict[str, tuple[str, str, list[OpenInvoice]]] = {}  # key → kind, as written, invoices
        for text in remittance.texts:
            for compact, written in self.book.structured.find(text):
                _mention(found, "P" + compact, "payment_reference", written, self.book.by_reference.get(compact, []))
            for ref in rf_references_in(text):
                if "P" + ref not in found:
                    _mention(found, "R" + ref, "rf", ref, self._keyed(ref[4:]))
            for stripe_id in stripe_ids_in(text):
                invoice = self.book.by_stripe.get(stripe_id)
                if invoice is not None:  # the payment's own Stripe ids name no invoice
                    _mention(found, "S" + stripe_id, "stripe", stripe_id, [invoice])
            for number in self.book.formats.find(text):
                _mention(found, "N" + number.key, number.kind, number.text, self.book.by_key.get(number.key, []))
        return self._hits(remittance, found)

    def _hits(self, remittance: Remittance, found: dict) -> tuple[dict[int, Hit], list[Mention]]:
        """Each open invoice named, with its strongest mention, whether it fits the amount and
        every mention naming it; and the mentions."""
        named_by: dict[int, list] = {}  # invoice id → [invoice, kind, as written, mentions]
        mentions: list[Mention] = []
        for kind, written, invoices in found.values():
            named = [i for i in invoices if i.currency == remittance.currency]
            if not named and kind == "bare":
                continue  # a bare number that is no open invoice is as likely something else
            at = len(mentions)
            mentions.append(Mention(kind=kind, text=written, invoices=frozenset(i.id for i in named)))
            for invoice in named:
                known = named_by.get(invoice.id)
                if known is None:
                    named_by[invoice.id] = [invoice, kind, written, [at]]
                    continue
                if _RANK[kind] > _RANK[known[1]]:
                    known[1], known[2] = kind, written
                known[3].append(at)
        target = minor_units(remittance.amount, remittance.currency)
        hits = {iid: Hit(kind=kind, text=written, number=invoice.number, customer_id=invoice.customer_id,
                         fits=self._single_fits(invoice, remittance, target), mentions=tuple(at))
                for iid, (invoice, kind, written, at) in named_by.items()}
        return hits, mentions

    def _keyed(self, payload: str) -> list[OpenInvoice]:
        keys = [key for key, _ in self.book.formats.keys_in(payload)] or [number_key(payload)]
        return [i for key in keys for i in self.book.by_key.get(key, [])]

    # --- candidate sets -------------------------------------------------------------------------

    def _candidate_sets(self, remittance: Remittance, hits: dict[int, Hit],
                        evidence: dict[int, Evidence]) -> tuple[list[tuple[OpenInvoice, ...]], set[int]]:
        """The sets worth scoring, and the customers whose open items were all searched."""
        named = tuple(self.book.by_id[i] for i in sorted(hits))
        sets: dict[tuple[int, ...], tuple[OpenInvoice, ...]] = {}
        for invoices in [*((i,) for i in named), named]:
            _add(sets, invoices)
        searched: set[int] = set()
        target = minor_units(remittance.amount, remittance.currency)
        # a named invoice that fits, or the named invoices together taking the money exactly, need
        # no search for other combinations
        taken = any(h.fits for h in hits.values()) or len(named) > 1 and sum(i.cents for i in named) == target
        for customer_id in _strongest(evidence, self.policy.customers):
            found, complete = self._customer_sets(remittance, evidence[customer_id], taken)
            for invoices in found:
                _add(sets, invoices)
            if complete:
                searched.add(customer_id)
        for invoice in islice(self.book.same_amount(remittance.currency, target).values(), 10):
            _add(sets, (invoice,))
        return list(sets.values()), searched

    def _customer_sets(self, remittance: Remittance, found_by: Evidence,
                       taken: bool) -> tuple[list[tuple[OpenInvoice, ...]], bool]:
        """The customer's items that fit the amount (combinations too unless one fits exactly, or
        the named invoices take the money: ``taken``), its oldest open item (a partial payment),
        and whether every open item was searched."""
        identified = found_by.payer_known
        mine = self.book.by_customer.get(found_by.customer_id, [])
        if self.book.currencies != {remittance.currency}:
            mine = [i for i in mine if i.currency == remittance.currency]
        if not mine:
            return [], True
        target = minor_units(remittance.amount, remittance.currency)
        slack = self._slack(remittance.currency)
        # integers first: only an item at or just above the amount, or with a discount, can fit
        on = remittance.on
        late = on - self._grace if on else None  # a discount is granted this many days after its last day
        near = [i for i in mine[:self.policy.single_candidates]
                if 0 <= i.cents - target <= slack or i.discount and on and late <= i.discount.until]
        singles = [i for i in near if self._single_fits(i, remittance, target)]
        complete = len(mine) <= self.policy.single_candidates
        found = [(i,) for i in singles]
        if not identified or taken:  # combinations only for a payer we know
            return found + [(mine[0],)], False
        grace = self.policy.tolerance.discount_grace_days
        if not any(i.cents == target or i.discounted(on, grace) == remittance.amount for i in singles):
            combos, all_found = self._subset_sums(remittance, mine[:self.policy.subset_candidates], target)
            found += combos
            complete = complete and all_found and len(mine) <= self.policy.subset_candidates
        return found + [(mine[0],)], complete

    def _single_fits(self, invoice: OpenInvoice, remittance: Remittance, target: int) -> bool:
        short = invoice.cents - target
        if short == 0:
            return True
        if 0 < short <= self._slack(remittance.currency):
            return self.policy.tolerance.allows(invoice.open - remittance.amount, invoice.open, invoice.currency)
        return invoice.discount is not None and remittance.amount == invoice.discounted(
            remittance.on, self.policy.tolerance.discount_grace_days)

    def _slack(self, currency: str) -> int:
        if currency not in self._slacks:
            self._slacks[currency] = minor_units(self.policy.tolerance.slack(currency), currency)
        return self._slacks[currency]

    def _subset_sums(self, remittance: Remittance, pool: list[OpenInvoice],
                     target: int) -> tuple[list[tuple[OpenInvoice, ...]], bool]:
        """Sets of 2 to ``subset_size`` invoices whose open amounts add up to the payment (or just
        over it within tolerance), at most ``subset_combinations`` of them."""
        found, complete = subsets_summing_to([i.cents for i in pool], target, slack=self._slack(remittance.currency),
                                             size=self.policy.subset_size, limit=self.policy.subset_combinations)
        combos = [tuple(pool[k] for k in positions) for positions in found]
        return [c for c in combos if fit_of(remittance.amount, target, c, remittance.on, self.policy.tolerance)
                in _FITTING], complete

    # --- scoring and decision -------------------------------------------------------------------

    def _ranked(self, remittance: Remittance, sets: list[tuple[OpenInvoice, ...]], searched: set[int],
                hits: dict[int, Hit], evidence: dict[int, Evidence]) -> list[Candidate]:
        """The best ``Policy.candidates`` sets, best first (ties by number). Sets are counted in
        the order of the most they could score, until none left can reach the last one kept."""
        target = minor_units(remittance.amount, remittance.currency)
        fits = [fit_of(remittance.amount, target, s, remittance.on, self.policy.tolerance) for s in sets]
        fitting = _fitting_sets(sets, fits)
        owners = self.customers.owners(remittance.payer_iban)
        bounded = []
        for invoices, fit in zip(sets, fits):
            unique = _only_fit(invoices, fitting, searched, evidence)
            bounded.append((upper_bound(invoices, fit, hits, evidence, unique=unique), invoices, fit, unique))
        bounded.sort(key=lambda b: -b[0])
        kept = max(self.policy.candidates, 2)  # the decision needs the best two
        counted: list[tuple] = []
        for bound, invoices, fit, unique in bounded:
            if len(counted) >= kept and bound < -counted[kept - 1][0]:
                break  # neither this set nor any after it can reach the last one kept (ties go by number)
            total = points(remittance, invoices, fit, hits, evidence, unique=unique, iban_owners=owners)
            insort(counted, (-total, tuple(i.number for i in invoices), invoices, fit, unique), key=_rank)
        scoring = Scoring(remittance=remittance, hits=hits, evidence=evidence, iban_owners=owners,
                          tolerance=self.policy.tolerance)
        return [Candidate(invoices=invoices, fit=fit, score=-total, unique=unique, scoring=scoring)
                for total, _, invoices, fit, unique in counted[:kept]]

    def _decide(self, remittance: Remittance, ranked: list[Candidate], mentions: list[Mention]) -> Decision:
        candidates = tuple(ranked)
        best = ranked[0] if ranked else None
        runner_up = ranked[1] if len(ranked) > 1 else None
        if best is None or best.score < self.policy.propose_score:
            return Decision(remittance=remittance, status="unmatched", candidates=candidates,
                            reasons=("no candidate invoice scores high enough",))
        gap = best.score - (runner_up.score if runner_up else 0)
        margin = (f"{gap} points ahead of {', '.join(runner_up.numbers)}" if runner_up
                  else "no other candidate")
        held = []
        if best.score < self.policy.auto_score:
            held.append(f"score {best.score} is below the {self.policy.auto_score} points needed to apply it "
                        "without a person")
        elif gap < self.policy.margin:
            held.append(f"only {gap} points ahead of the next candidate ({self.policy.margin} needed)")
        held = unexplained(best, mentions=mentions, customers=self.customers, book=self.book, policy=self.policy,
                           held=held)
        reasons = (*(r.text for r in best.reasons), f"score {best.score}, {margin}",
                   *(f"not applied automatically: {why}" for why in held))
        return Decision(remittance=remittance, status="proposal" if held else "auto", candidates=candidates,
                        reasons=reasons, held=tuple(held))


def _mention(found: dict, key: str, kind: str, written: str, invoices: list[OpenInvoice]) -> None:
    """Keep one mention per reference: the strongest way it was written."""
    known = found.get(key)
    if known is None or _RANK[kind] > _RANK[known[0]]:
        found[key] = (kind, written, list(invoices))


def _add(sets: dict, invoices: tuple[OpenInvoice, ...]) -> None:
    if invoices:
        key = (invoices[0].id,) if len(invoices) == 1 else tuple(sorted(i.id for i in invoices))
        sets.setdefault(key, invoices)


def _fitting_sets(sets: list[tuple[OpenInvoice, ...]], fits: list[str]) -> dict[int, list[tuple[OpenInvoice, ...]]]:
    """Per customer, the sets that compete for "the only fitting set": exact or discounted sets
    of any size; a short item only when no set of the customer fits exactly (an open amount
    equal to the payment to the cent says more than one a fee away), and never a short
    combination (a dozen combinations of 20 items fall within a 10.00 window by chance)."""
    exact: dict[int, list[tuple[OpenInvoice, ...]]] = {}
    short: dict[int, list[tuple[OpenInvoice, ...]]] = {}
    for invoices, fit in zip(sets, fits):
        owner = invoices[0].customer_id
        if any(i.customer_id != owner for i in invoices):
            continue
        if fit in ("exact", "discount"):
            exact.setdefault(owner, []).append(invoices)
        elif fit == "short" and len(invoices) == 1:
            short.setdefault(owner, []).append(invoices)
    return {**short, **exact}


def _rank(counted: tuple) -> tuple:
    return counted[:2]


def _only_fit(invoices: tuple[OpenInvoice, ...], fitting: dict[int, list[tuple[OpenInvoice, ...]]],
              searched: set[int], evidence: dict[int, Evidence]) -> bool:
    """True when the set is the only fitting set of one identified customer (not one of several
    with a similar name) whose open items
    were all searched (a single item also when only its oldest ones were)."""
    owner = invoices[0].customer_id
    if owner not in evidence or not evidence[owner].identified or fitting.get(owner) != [invoices]:
        return False
    return len(invoices) == 1 or owner in searched


def _strongest(evidence: dict[int, Evidence], limit: int) -> list[int]:
    def strength(e: Evidence) -> tuple:
        return (e.given, e.iban, e.payer_name, e.referenced, e.name_score)
    return [e.customer_id for e in sorted(evidence.values(), key=strength, reverse=True)[:limit]]


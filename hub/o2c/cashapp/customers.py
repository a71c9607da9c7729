"""Who paid: the customers' bank accounts and the learned IBAN map, the names known to pay for
a customer, the customer a referenced invoice belongs to, and the payer name.

A payer is taken for a customer (``Evidence.payer_known``) when the source names the customer,
when the payer's IBAN is one of the customer's bank accounts (or was learned for it), when the
payer name is one of the customer's ``payer_names``, or when the payer name matches the
customer's name at least ``ALONE_CUTOFF`` (90 %) and no other customer's name reaches
``NAME_CUTOFF`` (80 %). :meth:`CustomerDirectory.name_points` compares how well a payer name
names two customers (the legal form decides between ``ACME AG`` and ``ACME GmbH``).

Fuzzy names are compared with rapidfuzz only against customers sharing a word, a word's first
or last three letters with the payer name, so one payment never scans every customer. The
rarest shared parts are taken first, up to ``_MAX_FUZZY`` customers, so a common word
("Systems", "<sys") does not drown a rare one; answers are kept per folded name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from hub.o2c.cashapp.normalize import Remittance, name_key

NAME_CUTOFF = 80.0
#: A payer name this close to one customer's, with no other customer's name above NAME_CUTOFF,
#: identifies the customer as well as a known IBAN does.
ALONE_CUTOFF = 90.0
_MAX_FUZZY = 3000
_MAX_NEAR = 300


@dataclass(slots=True, kw_only=True)
class Evidence:
    """Why a customer may be the payer."""

    customer_id: int
    name: str = ""
    given: bool = False
    iban: bool = False
    payer_name: bool = False
    name_score: float = 0.0
    name_alone: bool = False
    referenced: bool = False

    @property
    def payer_known(self) -> bool:
        """The payer is this customer: named by the source, a known IBAN, a known payer name, or a
        name that matches this customer's and no other's as well."""
        return self.given or self.iban or self.payer_name or self.name_alone

    @property
    def identified(self) -> bool:
        """The payer is known to be this customer, or the remittance names one of its invoices."""
        return self.given or self.iban or self.payer_name or self.name_alone or self.referenced


class CustomerDirectory:
    """Customer names (folded for comparison), their bank accounts and known payer names, and the
    learned IBAN → customer map.

    ``ibans`` is the learned map; ``accounts`` the IBANs of each customer's master data, which
    win over a learned IBAN (one IBAN may be several customers' accounts: a group paying for its
    companies); ``payer_names`` the other names known to pay for each customer.
    """

    def __init__(self, names: Mapping[int, str | None], ibans: Mapping[str, int] | None = None, *,
                 accounts: Mapping[int, Iterable[str]] | None = None,
                 payer_names: Mapping[int, Iterable[str]] | None = None):
        self.display = {cid: name or f"customer {cid}" for cid, name in names.items()}
        self.ibans = dict(ibans or {})
        self.accounts: dict[str, tuple[int, ...]] = {}
        for cid, owned in (accounts or {}).items():
            for iban in owned:
                self.accounts[iban] = (*self.accounts.get(iban, ()), cid)
        self.payers: dict[str, tuple[int, ...]] = {}
        for cid, known in (payer_names or {}).items():
            for payer in known:
                key = name_key(payer)
                if key and cid not in self.payers.get(key, ()):
                    self.payers[key] = (*self.payers.get(key, ()), cid)
        self._names = names
        self._keys = {cid: name_key(name) for cid, name in names.items() if name}
        self._sorted = {cid: _sorted_words(key) for cid, key in self._keys.items()}
        self._by_key: dict[str, list[int]] = defaultdict(list)
        # per part: the customers sharing it and their names with the words sorted, side by side,
        # so rapidfuzz walks a prebuilt list in C and nothing is copied per payment
        self._by_part: dict[str, tuple[list[int], list[str]]] = defaultdict(lambda: ([], []))
        for cid, key in self._keys.items():
            self._by_key[key].append(cid)
            for part in _parts(key):
                cids, sorted_names = self._by_part[part]
                cids.append(cid)
                sorted_names.append(self._sorted[cid])
        self._by_part = dict(self._by_part)
        # each customer's first word and the same with one letter left out: a name one letter
        # apart in its first word ("Holber" / "Holbern Textiles") is found whatever the pool
        self._by_first: dict[str, list[int]] = defaultdict(list)
        for cid, key in self._keys.items():
            for variant in _one_letter_less(key.split()[0]):
                self._by_first[variant].append(cid)
        self._by_first = dict(self._by_first)
        self._found: dict[tuple[str, int], list[tuple[int, float]]] = {}
        self._folded: dict[str, tuple[str, str]] = {}
        self._full_names: dict[str, str] = {}

    def learn_iban(self, iban: str, customer_id: int) -> None:
        self.ibans[iban] = customer_id

    def owners(self, iban: str | None) -> tuple[int, ...]:
        """The customers an IBAN is known for: their bank accounts, else the learned map."""
        if not iban:
            return ()
        owned = self.accounts.get(iban)
        if owned:
            return owned
        learned = self.ibans.get(iban)
        return () if learned is None else (learned,)

    def by_name(self, name: str | None, *, limit: int = 3) -> list[tuple[int, float]]:
        """Customers whose name resembles ``name``, best first, each with a 0–100 score."""
        key, sorted_key = self._fold(name)
        if not key:
            return []
        if (key, limit) not in self._found:
            if len(self._found) > 100_000:
                self._found.clear()
            self._found[(key, limit)] = self._lookup(key, sorted_key, limit)
        return self._found[(key, limit)]

    def _fold(self, name: str | None) -> tuple[str, str]:
        """The folded name and the same with its words sorted, kept per payer name as written."""
        if not name:
            return "", ""
        folded = self._folded.get(name)
        if folded is None:
            if len(self._folded) > 100_000:
                self._folded.clear()
            key = name_key(name)
            folded = self._folded[name] = (key, _sorted_words(key))
        return folded

    def _lookup(self, key: str, sorted_key: str, limit: int) -> list[tuple[int, float]]:
        # an exact name is still compared with the customers sharing its rarest word, so a
        # near-duplicate ("Losa Energy" / "Losa Energie") is seen and the name is not alone
        exact = self._by_key.get(key, [])
        scores: dict[int, float] = {}
        for cids, sorted_names in self._pool(key, _MAX_NEAR if exact else _MAX_FUZZY):
            # token_sort_ratio is ratio on names with their words sorted; those are prebuilt
            for _name, score, at in process.extract(sorted_key, sorted_names, scorer=fuzz.ratio,
                                                    score_cutoff=NAME_CUTOFF, limit=None):
                scores[cids[at]] = score
        for cid in self._first_word_near(key):
            if cid not in scores:
                score = fuzz.ratio(sorted_key, self._sorted[cid])
                if score >= NAME_CUTOFF:
                    scores[cid] = score
        found = sorted((-score, cid) for cid, score in scores.items() if cid not in exact)
        return ([(cid, 100.0) for cid in exact] + [(cid, -score) for score, cid in found])[:limit]

    def _first_word_near(self, key: str) -> set[int]:
        """Customers whose first word is the name's, or one letter more, less or other."""
        near: set[int] = set()
        for variant in _one_letter_less(key.split()[0]):
            near.update(self._by_first.get(variant, ()))
        return near

    def _pool(self, key: str, budget: int) -> list[tuple[list[int], list[str]]]:
        """The rarest parts of ``key`` (customers and names), about ``budget`` customers in all."""
        chosen: list[tuple[list[int], list[str]]] = []
        pool: set[int] | None = None  # the union, built only once a second part is taken
        for size, part in sorted((len(self._by_part[p][0]), p) for p in _parts(key) if p in self._by_part):
            taken = len(chosen[0][0]) if pool is None and chosen else len(pool or ())
            if chosen and taken + size > budget:
                break
            cids, sorted_names = self._by_part[part]
            if size > budget:
                cids, sorted_names = cids[:budget], sorted_names[:budget]
            if chosen:
                pool = set(chosen[0][0]) if pool is None else pool
                pool.update(cids)
            chosen.append((cids, sorted_names))
        return chosen

    def identify(self, remittance: Remittance, referenced: Iterable[int]) -> dict[int, Evidence]:
        """Every customer the remittance points at, with the evidence for each."""
        found: dict[int, Evidence] = {}
        if remittance.customer_id is not None:
            self._get(found, remittance.customer_id).given = True
        for owner in self.owners(remittance.payer_iban):
            self._get(found, owner).iban = True
        for cid in referenced:
            self._get(found, cid).referenced = True
        if remittance.payer_name:
            for cid in self.payers.get(self._fold(remittance.payer_name)[0], ()):
                self._get(found, cid).payer_name = True
        by_name = self.by_name(remittance.payer_name)
        for cid, score in by_name:
            self._get(found, cid).name_score = score
        if len(by_name) == 1 and by_name[0][1] >= ALONE_CUTOFF:
            found[by_name[0][0]].name_alone = True
        for cid in found:
            if found[cid].name_score == 0.0 and remittance.payer_name:
                found[cid].name_score = self.name_score(remittance.payer_name, cid)
        return found

    def name_points(self, payer: str | None, customer_id: int) -> float:
        """How well ``payer`` names the customer, to compare customers: the name score, at least 90
        when one name is the other's first words (Venberri / Venberri Retail), and half a point
        more when the payer wrote the customer's full name, legal form included."""
        if not payer:
            return 0.0
        score = self.name_score(payer, customer_id)
        if _first_words(self._fold(payer)[0], self._keys.get(customer_id, "")):
            score = max(score, 90.0)
        return score + (self._written(self._names.get(customer_id) or "") == self._written(payer)) / 2

    def _written(self, payer: str) -> str:
        """The payer name folded with its legal form (kept per name)."""
        written = self._full_names.get(payer)
        if written is None:
            if len(self._full_names) > 100_000:
                self._full_names.clear()
            written = self._full_names[payer] = _full_name(payer)
        return written

    def name_score(self, name: str, customer_id: int) -> float:
        """How much ``name`` resembles the customer's name (0–100): rapidfuzz's token_sort_ratio,
        or its ratio when that is higher (a word that lost its first letter sorts elsewhere)."""
        folded, sorted_key = self._fold(name)
        return max(fuzz.ratio(sorted_key, self._sorted.get(customer_id, "")),
                   fuzz.ratio(folded, self._keys.get(customer_id, "")))

    def _get(self, found: dict[int, Evidence], cid: int) -> Evidence:
        if cid not in found:
            found[cid] = Evidence(customer_id=cid, name=self.display.get(cid, f"customer {cid}"))
        return found[cid]


def _full_name(name: str | None) -> str:
    """A name folded for an exact comparison that keeps the legal form (ACME AG is not ACME GmbH)."""
    ascii_text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_text.lower().replace(".", "")).split())


def _first_words(one: str, other: str) -> bool:
    """True when one folded name is the other's first words (at least 5 letters of them)."""
    short, long = sorted((one, other), key=len)
    return len(short) >= 5 and long.startswith(short + " ")


def _sorted_words(key: str) -> str:
    return " ".join(sorted(key.split()))


def _one_letter_less(word: str) -> set[str]:
    """``word`` and every way of leaving one of its letters out (words of 4 letters or more)."""
    if len(word) < 4:
        return {word}
    return {word, *(word[:k] + word[k + 1:] for k in range(len(word)))}


def _parts(key: str) -> set[str]:
    """The words of a folded name, and each word's first and last three letters."""
    parts = set()
    for word in key.split():
        if len(word) >= 3:
            parts.update((word, "<" + word[:3], word[-3:] + ">"))
    return parts

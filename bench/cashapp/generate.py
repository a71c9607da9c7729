"""A noisy cash-application data set with ground truth, reproducible from a seed.

    customers   names (some near-duplicates), each with an IBAN; most IBANs already learned
    invoices    INV-<year>-<6 digits>, common subscription prices shared across customers,
                some with an early-payment discount term (2/10 NET30), some with a Stripe id
    payments    exact references in every spelling (separators, case, no leading zeros, run
                together, RF creditor references, Stripe ids), combined payments, bank fees
                deducted, partial and over payments, discounts taken, wrong references, no
                reference at all, payer names with typos, new IBANs

Each payment carries its truth (the invoice ids it pays) and whether it is "clean": a correct
reference or a known payer and exactly the open amount, the case that must never go wrong.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hub.o2c.cashapp.book import OpenInvoice, discount_of
from hub.o2c.cashapp.normalize import Remittance
from hub.o2c.cashapp.structured import rf_reference

_SYLLABLES = "ka lo ri ven tor sa mi nu pe ga dor lin bra fel qui zan mar tes hol ber vik ant cor sel".split()
_TRADES = "Logistics Systems Foods Medical Textiles Energy Software Metals Retail Consulting Bau Pharma".split()
_FORMS = ["GmbH", "AG", "Ltd", "Inc.", "S.A.", "B.V.", "KG", "LLC", ""]
_PRICES = [Decimal(p) for p in ("49.00", "99.00", "119.00", "199.00", "249.00", "499.00")]
_NOISE = ["", "Rechnung ", "Inv. no. ", "Payment for ", "RE: ", "Zahlung ", "ref "]
_SCENARIOS = [  # name, share in percent
    ("single", 52), ("combined", 8), ("no_reference", 8), ("bank_fee", 6), ("partial", 5),
    ("over", 4), ("wrong_reference", 4), ("discount", 3), ("anonymous", 4), ("stripe", 6),
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    remittance: Remittance
    truth: frozenset[int]
    scenario: str
    clean: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DataSet:
    names: dict[int, str]
    known_ibans: dict[str, int]
    invoices: list[OpenInvoice]
    payments: list[Payment]


def generate(*, customers: int = 1000, invoices: int = 20000, payments: int = 2000, seed: int = 7) -> DataSet:
    """A data set of ``payments`` against ``invoices`` open invoices of ``customers`` customers."""
    rng = random.Random(seed)
    names = {cid: _company(rng) for cid in range(1, customers + 1)}
    ibans = {cid: _iban(rng) for cid in names}
    known = {iban: cid for cid, iban in ibans.items() if rng.random() < 0.8}
    book = [_invoice(rng, i, rng.randint(1, customers)) for i in range(1, invoices + 1)]
    maker = _PaymentMaker(rng, names, ibans, book)
    weights = [w for _, w in _SCENARIOS]
    made = [maker.make(rng.choices(_SCENARIOS, weights)[0][0], n) for n in range(payments)]
    return DataSet(names=names, known_ibans=known, invoices=book, payments=[p for p in made if p])


def _company(rng: random.Random) -> str:
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return " ".join(w for w in (stem, rng.choice(_TRADES), rng.choice(_FORMS)) if w)


def _iban(rng: random.Random) -> str:
    bban = "".join(rng.choice("0123456789") for _ in range(18))
    check = 98 - int(bban + "131400") % 97  # "DE00" as digits: D=13, E=14
    return f"DE{check:02d}{bban}"


def _invoice(rng: random.Random, n: int, customer_id: int) -> OpenInvoice:
    year = 2023 + n % 3
    issued = date(year, 1, 1) + timedelta(days=rng.randint(0, 360))
    total = rng.choice(_PRICES) if rng.random() < 0.2 else Decimal(rng.randint(2000, 500000)) / 100
    term = "2/10 NET30" if rng.random() < 0.1 else "NET30"
    return OpenInvoice(
        id=n, number=f"INV-{year}-{n:06d}", currency="EUR", open=total, total=total,
        customer_id=customer_id, issue_date=issued, due_date=issued + timedelta(days=30),
        discount=discount_of(term, issued), stripe_ids=(f"in_{n:014d}x",) if n % 10 == 0 else (),
    )


class _PaymentMaker:
    """Turns untouched open invoices into payments of one scenario each."""

    def __init__(self, rng: random.Random, names: dict, ibans: dict, book: list[OpenInvoice]):
        self.rng, self.names, self.ibans, self.book = rng, names, ibans, book
        self.used: set[int] = set()
        self.by_customer: dict[int, list[OpenInvoice]] = {}
        for invoice in book:
            self.by_customer.setdefault(invoice.customer_id, []).append(invoice)

    def make(self, scenario: str, n: int) -> Payment | None:
        invoices = self._pick(scenario)
        if not invoices:
            return None
        return getattr(self, f"_{scenario}")(invoices, f"p{n}")

    def _pick(self, scenario: str) -> list[OpenInvoice]:
        for _ in range(20):
            first = self.rng.choice(self.book)
            if first.id in self.used or scenario == "discount" and first.discount is None:
                continue
            if scenario == "stripe" and not first.stripe_ids:
                continue
            picked = [first] + (self._more_of(first) if scenario == "combined" else [])
            if scenario != "combined" or len(picked) > 1:
                self.used.update(i.id for i in picked)
                return picked
        return []

    def _more_of(self, first: OpenInvoice) -> list[OpenInvoice]:
        others = [i for i in self.by_customer[first.customer_id] if i.id not in self.used and i.id != first.id]
        return self.rng.sample(others, min(len(others), self.rng.randint(1, 3)))

    # --- scenarios ------------------------------------------------------------------------------

    def _single(self, invoices, ref):
        return self._payment(ref, invoices, invoices[0].open, self._spelled(invoices[0]), "single", clean=True)

    def _combined(self, invoices, ref):
        texts = " ".join(self._spelled(i) for i in invoices) if self.rng.random() < 0.6 else "Sammelzahlung"
        return self._payment(ref, invoices, sum(i.open for i in invoices), texts, "combined", clean=False)

    def _no_reference(self, invoices, ref):
        return self._payment(ref, invoices, invoices[0].open, "Zahlung danke", "no_reference", clean=False)

    def _bank_fee(self, invoices, ref):
        fee = min(Decimal(self.rng.randint(100, 800)) / 100, invoices[0].open * Decimal("0.04")).quantize(Decimal("0.01"))
        return self._payment(ref, invoices, invoices[0].open - fee, self._spelled(invoices[0]), "bank_fee", clean=False)

    def _partial(self, invoices, ref):
        part = (invoices[0].open * Decimal(self.rng.randint(30, 80)) / 100).quantize(Decimal("0.01"))
        return self._payment(ref, invoices, part, self._spelled(invoices[0]), "partial", clean=False)

    def _over(self, invoices, ref):
        extra = Decimal(self.rng.randint(100, 5000)) / 100
        return self._payment(ref, invoices, invoices[0].open + extra, self._spelled(invoices[0]), "over", clean=False)

    def _wrong_reference(self, invoices, ref):
        wrong = f"INV-{invoices[0].number[4:8]}-{self.rng.randint(1, len(self.book)):06d}"
        return self._payment(ref, invoices, invoices[0].open, wrong, "wrong_reference", clean=False)

    def _discount(self, invoices, ref):
        invoice = invoices[0]
        paid = invoice.discounted(invoice.issue_date + timedelta(days=5))
        return self._payment(ref, invoices, paid, self._spelled(invoice), "discount", clean=False,
                             on=invoice.issue_date + timedelta(days=5))

    def _anonymous(self, invoices, ref):
        remittance = Remittance(source="bank_transaction", reference=ref, amount=invoices[0].open, currency="EUR",
                                on=invoices[0].due_date, payer_name="Treuhand Zahlungsdienst",
                                payer_iban=_iban(self.rng), texts=("Zahlung",))
        return Payment(remittance=remittance, truth=frozenset([invoices[0].id]), scenario="anonymous", clean=False)

    def _stripe(self, invoices, ref):
        invoice = invoices[0]
        remittance = Remittance(source="payment", reference=f"pi_{ref}", amount=invoice.open, currency="EUR",
                                on=invoice.due_date, payer_name=self._typo(self.names[invoice.customer_id]),
                                texts=(invoice.stripe_ids[0],), customer_id=invoice.customer_id)
        return Payment(remittance=remittance, truth=frozenset([invoice.id]), scenario="stripe", clean=True)

    # --- noise ----------------------------------------------------------------------------------

    def _payment(self, ref, invoices, amount, text, scenario, *, clean, on=None) -> Payment:
        customer = invoices[0].customer_id
        iban = self.ibans[customer] if self.rng.random() < 0.95 else _iban(self.rng)
        remittance = Remittance(
            source="bank_transaction", reference=ref, amount=amount, currency="EUR",
            on=on or invoices[0].due_date + timedelta(days=self.rng.randint(-10, 20)),
            payer_name=self._typo(self.names[customer]), payer_iban=iban,
            texts=(self.rng.choice(_NOISE) + text,),
        )
        return Payment(remittance=remittance, truth=frozenset(i.id for i in invoices), scenario=scenario, clean=clean)

    def _spelled(self, invoice: OpenInvoice) -> str:
        year, digits = invoice.number[4:8], invoice.number[9:]
        spellings = [invoice.number, invoice.number.lower(), f"INV {year} {int(digits)}", f"INV{year}{digits}",
                     f"inv-{year}-{int(digits)}", f"{year}/{digits}", rf_reference(invoice.number),
                     " ".join(rf_reference(invoice.number)[i:i + 4] for i in range(0, 18, 4))]
        return self.rng.choice(spellings)

    def _typo(self, name: str) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return name.upper()
        if roll < 0.5 and len(name) > 6:
            at = self.rng.randint(1, len(name) - 2)
            return name[:at] + name[at + 1:]
        if roll < 0.6:
            return name.rsplit(" ", 1)[0]
        return name

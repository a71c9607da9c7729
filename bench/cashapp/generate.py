"""A noisy cash-application data set with ground truth, reproducible from a seed.

    customers   names, some in near-duplicate pairs (Kalori Foods GmbH / Kalori Foods AG, Kalori /
                Kalorin Foods), half of those pairs with a group account both list; billed in
                EUR, some in JPY (paying without an IBAN) or KWD; each with an IBAN that is in its
                bank accounts (master data), learned, or not known, and some with a known payer
                name (a holding, a payment service)
    invoices    INV-<year>-<6 digits>; common subscription prices shared across customers; some
                with an early-payment discount (2/10 NET30), a Stripe id, or a structured payment
                reference the ERP printed (RF or Belgian +++ddd/dddd/ddddd+++); a few numbers
                twice (two companies' invoices of the same number)
    payments    one noise kind each (bench/cashapp/payments.py), the reference in every spelling
                people use (bench/cashapp/spellings.py)

Each payment carries its truth (the invoice ids it pays), its noise kind, and whether it is
unambiguous: a payment a careful clerk applies without a second look (the reference names every
invoice, or the payer is known and one open item has exactly the amount; the payer is the
customer; the amount is exact, a discount in its window, a fee or an overpayment within the
default policy). Every other payment is ambiguous: it must be proposed or left unmatched.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from bench.cashapp.payments import Customer, Payment, PaymentMaker
from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice, discount_of
from hub.o2c.cashapp.customers import CustomerDirectory
from hub.o2c.cashapp.structured import rf_reference

_SYLLABLES = "ka lo ri ven tor sa mi nu pe ga dor lin bra fel qui zan mar tes hol ber vik ant cor sel".split()
_TRADES = "Logistics Systems Foods Medical Textiles Energy Software Metals Retail Consulting Bau Pharma".split()
_FORMS = ["GmbH", "AG", "Ltd", "Inc.", "S.A.", "B.V.", "KG", "LLC", "S.p.A.", "Oy", ""]
_PRICES = {"EUR": ["49.00", "99.00", "119.00", "199.00", "249.00", "499.00"], "JPY": ["9800", "19800", "49800"],
           "KWD": ["15.000", "45.500", "120.000"]}
_RANGES = {"EUR": (2000, 500000, 2), "JPY": (2000, 900000, 0), "KWD": (5000, 2000000, 3)}
_PAYERS = ["Treuhand", "Zahlungsdienst", "Treasury", "Holding", "Group Services", "Finance"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DataSet:
    names: dict[int, str]
    known_ibans: dict[str, int]  # learned from earlier payments
    accounts: dict[int, list[str]] = field(default_factory=dict)  # customer.bank_accounts
    payer_names: dict[int, list[str]] = field(default_factory=dict)  # customer.payer_names
    invoices: list[OpenInvoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)

    def book(self) -> InvoiceBook:
        return InvoiceBook(self.invoices)

    def directory(self) -> CustomerDirectory:
        return CustomerDirectory(self.names, self.known_ibans, accounts=self.accounts, payer_names=self.payer_names)


def generate(*, customers: int = 1000, invoices: int = 20000, payments: int = 2000, seed: int = 7) -> DataSet:
    """A data set of ``payments`` against ``invoices`` open invoices of ``customers`` customers."""
    rng = random.Random(seed)
    people = _customers(rng, customers)
    book = _invoices(rng, invoices, people)
    maker = PaymentMaker(rng, people, book)
    made = [maker.make(n) for n in range(payments)]
    return DataSet(
        names={c.id: c.name for c in people.values()},
        known_ibans={c.iban: c.id for c in people.values() if c.iban_known == "learned"},
        accounts=_accounts(people),
        payer_names={c.id: [c.payer_name] for c in people.values() if c.payer_name},
        invoices=book, payments=[p for p in made if p is not None],
    )


# --- customers -----------------------------------------------------------------------------------


def _accounts(people: dict[int, Customer]) -> dict[int, list[str]]:
    """customer.bank_accounts: the customer's own account when the master data has it, and an
    account of its group (the same for two related customers)."""
    accounts: dict[int, list[str]] = {}
    for c in people.values():
        owned = ([c.iban] if c.iban_known == "account" else []) + ([c.group_iban] if c.group_iban else [])
        if owned:
            accounts[c.id] = owned
    return accounts


def _customers(rng: random.Random, count: int) -> dict[int, Customer]:
    people: dict[int, Customer] = {}
    taken: set[tuple[str, str]] = set()  # two customers of one name would be one to anybody
    cid = 1
    while cid <= count:
        stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        trade, form = rng.choice(_TRADES), rng.choice(_FORMS)
        if (stem, trade) in taken or (stem[:-1], trade) in taken or any((stem + x, trade) in taken for x in "nrs"):
            continue
        taken.add((stem, trade))
        currency = rng.choices(["EUR", "JPY", "KWD"], [92, 4, 4])[0]
        people[cid] = _customer(rng, cid, _name(stem, trade, form), currency, twin=None)
        if cid < count and rng.random() < 0.06:  # a near-duplicate: another legal form, or one letter more
            other = rng.choice([f for f in _FORMS if f and f != form]) if rng.random() < 0.5 else form
            twin_stem = stem if other != form else stem + rng.choice("nrs")
            taken.add((twin_stem, trade))
            group = _iban(rng, currency) if currency != "JPY" and rng.random() < 0.5 else None
            people[cid + 1] = _replace(_customer(rng, cid + 1, _name(twin_stem, trade, other), currency, twin=cid),
                                       twin=cid, group_iban=group)
            people[cid] = _replace(people[cid], twin=cid + 1, group_iban=group)
            cid += 1
        cid += 1
    return people


def _name(stem: str, trade: str, form: str) -> str:
    return " ".join(w for w in (stem, trade, form) if w)


def _customer(rng: random.Random, cid: int, name: str, currency: str, *, twin: int | None) -> Customer:
    known = rng.choices(["account", "learned", "unknown"], [60, 25, 15])[0]
    payer = f"{name.split()[0]} {rng.choice(_PAYERS)} {rng.choice(['GmbH', 'AG', 'Ltd', 'SA'])}" \
        if rng.random() < 0.08 else None
    return Customer(id=cid, name=name, currency=currency, iban=None if currency == "JPY" else _iban(rng, currency),
                    iban_known=known, payer_name=payer, twin=twin)


def _replace(customer: Customer, *, twin: int, group_iban: str | None) -> Customer:
    return Customer(id=customer.id, name=customer.name, currency=customer.currency, iban=customer.iban,
                    iban_known=customer.iban_known, payer_name=customer.payer_name, twin=twin, group_iban=group_iban)


def _iban(rng: random.Random, currency: str) -> str:
    """A valid IBAN: German for EUR customers, Kuwaiti for KWD."""
    if currency == "KWD":
        country, bban = "KW", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + "".join(
            rng.choice(string.digits) for _ in range(22))
    else:
        country, bban = "DE", "".join(rng.choice(string.digits) for _ in range(18))
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


# --- invoices ------------------------------------------------------------------------------------


def _invoices(rng: random.Random, count: int, people: dict[int, Customer]) -> list[OpenInvoice]:
    ids = list(people)
    book = [_invoice(rng, n, people[rng.choice(ids)]) for n in range(1, count + 1)]
    for _ in range(count // 100):  # two companies' invoices of one number
        first, second = rng.sample(book, 2)
        if first.customer_id != second.customer_id and first.currency == second.currency:
            book[second.id - 1] = _renumbered(second, first.number)
    return book


def _invoice(rng: random.Random, n: int, customer: Customer) -> OpenInvoice:
    year = 2023 + n % 3
    issued = date(year, 1, 1) + timedelta(days=rng.randint(0, 360))
    total = _amount(rng, customer.currency)
    term = "2/10 NET30" if rng.random() < 0.1 else "NET30"
    reference = _payment_reference(rng, n) if rng.random() < 0.12 else None
    return OpenInvoice(
        id=n, number=f"INV-{year}-{n:06d}", currency=customer.currency, open=total, total=total,
        customer_id=customer.id, issue_date=issued, due_date=issued + timedelta(days=30),
        discount=discount_of(term, issued), stripe_ids=(f"in_{n:014d}x",) if n % 10 == 0 else (),
        payment_reference=reference,
    )


def _amount(rng: random.Random, currency: str) -> Decimal:
    if rng.random() < 0.2:
        return Decimal(rng.choice(_PRICES[currency]))
    low, high, places = _RANGES[currency]
    return Decimal(rng.randint(low, high)).scaleb(-places)


def _payment_reference(rng: random.Random, n: int) -> str:
    """What an ERP prints for the payer to quote: an RF reference or a Belgian structured one."""
    if rng.random() < 0.5:
        rf = rf_reference(f"{rng.randint(10, 99)}{n:08d}")
        return " ".join(rf[k:k + 4] for k in range(0, len(rf), 4))
    base = rng.randint(10**9, 10**10 - 1)
    check = base % 97 or 97
    digits = f"{base:010d}{check:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def _renumbered(invoice: OpenInvoice, number: str) -> OpenInvoice:
    return OpenInvoice(id=invoice.id, number=number, currency=invoice.currency, open=invoice.open,
                       total=invoice.total, customer_id=invoice.customer_id, issue_date=invoice.issue_date,
                       due_date=invoice.due_date, discount=invoice.discount, stripe_ids=invoice.stripe_ids,
                       payment_reference=invoice.payment_reference)

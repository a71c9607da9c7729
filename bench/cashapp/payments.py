"""Payments of the generated data set, one noise kind each, with their truth and label.

Unambiguous kinds (a careful clerk applies them without a second look):

    reference            one invoice, its exact amount, the reference in any spelling
    new_iban             the same from an IBAN nobody knows yet, the payer's name as written
    combined             2-4 invoices of one customer, their sum, every one named (lists shortened)
    combined_no_text     the same with no text: unambiguous when no other set of the customer's
                         open items (1-4 of them) has that sum, the payer's IBAN known
    no_reference         one invoice, no text, a known IBAN: unambiguous when no other open item
                         of the customer has that amount
    bank_fee             less a fee within the default policy
    discount             less the early-payment discount, within its window or grace days
    over                 more than the invoice, the rest within the default credit limit and not
                         what other open items of the customer come to
    structured           the invoice's own payment reference (RF, Belgian), however spaced
    duplicated_number    an invoice number two customers' invoices share, from the payer's IBAN
    third_party_known    paid by a name known to pay for the customer
    group_account        from an account two related customers both list as theirs, the
                         reference naming one of them
    similar_name_referenced  a customer with a near-duplicate name, the reference and amount clear
    stripe               a Stripe payment naming the customer and the Stripe invoice

Ambiguous kinds (a person must look): combined_partial_text (the text names only some of the
invoices), partial, bank_fee_large and discount_late (more deducted than the policy explains),
over_large, wrong_reference (a mistyped number), paid_reference (an invoice that is not open
named too), third_party_unknown (nobody knows the payer), similar_name (no reference, a name two
customers share), cross_customer (another customer pays, with its own IBAN), anonymous.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations

from bench.cashapp import spellings
from hub.money import quantize
from hub.o2c.cashapp.book import OpenInvoice
from hub.o2c.cashapp.normalize import Remittance

KINDS = {  # kind: share in percent
    "reference": 27, "new_iban": 5, "combined": 9, "combined_no_text": 3, "no_reference": 6, "bank_fee": 6,
    "discount": 3, "over": 4, "structured": 4, "duplicated_number": 2, "third_party_known": 2,
    "similar_name_referenced": 2, "group_account": 2, "stripe": 4,
    "combined_partial_text": 3, "partial": 4, "bank_fee_large": 1, "discount_late": 1, "over_large": 1,
    "wrong_reference": 3, "paid_reference": 2, "third_party_unknown": 2, "similar_name": 2, "cross_customer": 1,
    "anonymous": 3,
}
#: how much a currency's amounts are worth against the euro's, roughly (fees and credit limits)
_SCALE = {"EUR": Decimal(1), "JPY": Decimal(130), "KWD": Decimal("0.3")}
_FORMS = {"gmbh", "ag", "ltd", "inc.", "s.a.", "b.v.", "kg", "llc", "s.p.a.", "oy"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    id: int
    name: str
    currency: str
    iban: str | None
    iban_known: str  # account (bank_accounts), learned, unknown
    payer_name: str | None
    twin: int | None  # the customer with a near-duplicate name
    group_iban: str | None = None  # an account this customer and its twin both list


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    remittance: Remittance
    truth: frozenset[int]
    kind: str
    unambiguous: bool


class PaymentMaker:
    """Turns untouched open invoices into payments of one noise kind each."""

    def __init__(self, rng: random.Random, people: dict[int, Customer], book: list[OpenInvoice]):
        self.rng, self.people, self.book = rng, people, book
        self.used: set[int] = set()  # picked for a payment, or kept open
        self.closed: set[int] = set()  # paid in full by an earlier unambiguous payment
        self.mine: dict[int, list[OpenInvoice]] = {}
        for invoice in book:
            self.mine.setdefault(invoice.customer_id, []).append(invoice)
        numbers: dict[str, int] = {}
        for invoice in book:
            numbers[invoice.number] = numbers.get(invoice.number, 0) + 1
        self.shared = {n for n, count in numbers.items() if count > 1}

    def make(self, n: int) -> Payment | None:
        kind = self.rng.choices(list(KINDS), list(KINDS.values()))[0]
        return getattr(self, f"_{kind}")(f"p{n}")

    # --- unambiguous kinds --------------------------------------------------------------------

    def _reference(self, ref):
        (invoice,) = self._pick(lambda i: i.number not in self.shared) or (None,)
        if invoice is None:
            return None
        family, text = spellings.one(self.rng, invoice.number)
        return self._paid(ref, [invoice], invoice.open, spellings.around(self.rng, text), "reference", True)

    def _new_iban(self, ref):
        (invoice,) = self._pick(lambda i: i.number not in self.shared and i.currency != "JPY") or (None,)
        if invoice is None:
            return None
        text = spellings.around(self.rng, spellings.one(self.rng, invoice.number)[1])
        return self._paid(ref, [invoice], invoice.open, text, "new_iban", True, iban=_iban_of(self.rng))

    def _combined(self, ref):
        invoices = self._several(self.rng.randint(2, 4))
        if not invoices:
            return None
        text = spellings.several(self.rng, [i.number for i in invoices])
        return self._paid(ref, invoices, _total(invoices), text, "combined", True)

    def _combined_no_text(self, ref):
        invoices = self._several(self.rng.randint(2, 3), known=True, at_most=20)
        if not invoices:
            return None
        clear = self._only_set(invoices)
        return self._paid(ref, invoices, _total(invoices), self.rng.choice(["Sammelzahlung", "", "Payment"]),
                          "combined_no_text", clear)

    def _no_reference(self, ref):
        picked = self._pick(lambda i: self._known(i))
        if not picked:
            return None
        (invoice,) = picked
        clear = self._keep_open([o for o in self._others(invoice) if o.open == invoice.open])
        return self._paid(ref, picked, invoice.open, self.rng.choice(["Zahlung danke", "", "Payment", "Pago"]),
                          "no_reference", clear)

    def _bank_fee(self, ref):
        picked = self._pick(lambda i: i.open >= 40 * _SCALE[i.currency] and i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        cap = min(Decimal(12) * _SCALE[invoice.currency], invoice.open * Decimal("0.04"))
        fee = quantize(cap * Decimal(self.rng.randint(10, 100)) / 100, invoice.currency)
        paid = invoice.open - fee
        clear = fee > 0 and self._keep_open([o for o in self._others(invoice) if o.open == paid])
        return self._paid(ref, picked, paid, self._spelled(invoice), "bank_fee", clear)

    def _discount(self, ref):
        picked = self._pick(lambda i: i.discount is not None and i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        on = invoice.discount.until + timedelta(days=self.rng.randint(-9, 3))  # in the window or its grace
        return self._paid(ref, picked, invoice.discounted(on, 3), self._spelled(invoice), "discount", True, on=on)

    def _over(self, ref):
        picked = self._pick(lambda i: i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        extra = quantize(Decimal(self.rng.randint(100, 38000)) / 100 * _SCALE[invoice.currency], invoice.currency)
        clear = self._keep_open(self._adding_up_to(invoice, extra))
        text = spellings.around(self.rng, self._strong(invoice))
        return self._paid(ref, picked, invoice.open + extra, text, "over", clear)

    def _structured(self, ref):
        picked = self._pick(lambda i: i.payment_reference is not None)
        if not picked:
            return None
        (invoice,) = picked
        printed = invoice.payment_reference
        compact = "".join(ch for ch in printed if ch.isalnum())
        written = self.rng.choice([printed, compact, compact.lower(), " ".join(compact[k:k + 3] for k in range(
            0, len(compact), 3)), printed.strip("+")])
        return self._paid(ref, picked, invoice.open, spellings.around(self.rng, written), "structured", True)

    def _duplicated_number(self, ref):
        picked = self._pick(lambda i: i.number in self.shared and self._known(i))
        if not picked:
            return None
        (invoice,) = picked
        return self._paid(ref, picked, invoice.open, self._spelled(invoice), "duplicated_number", True)

    def _third_party_known(self, ref):
        picked = self._pick(lambda i: self.people[i.customer_id].payer_name is not None and i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        payer = self.people[invoice.customer_id].payer_name
        return self._paid(ref, picked, invoice.open, self._spelled(invoice), "third_party_known", True,
                          iban=_iban_of(self.rng), name=self.rng.choice([payer, payer.upper()]))

    def _similar_name_referenced(self, ref):
        picked = self._pick(lambda i: self.people[i.customer_id].twin is not None and i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        return self._paid(ref, picked, invoice.open, self._spelled(invoice), "similar_name_referenced", True,
                          iban=_iban_of(self.rng), name=self._shared_name(self.people[invoice.customer_id]))

    def _group_account(self, ref):
        picked = self._pick(lambda i: self.people[i.customer_id].group_iban is not None
                            and i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        customer = self.people[invoice.customer_id]
        return self._paid(ref, picked, invoice.open, self._spelled(invoice), "group_account", True,
                          iban=customer.group_iban, name=customer.name.split()[0] + " Group")

    def _stripe(self, ref):
        picked = self._pick(lambda i: bool(i.stripe_ids))
        if not picked:
            return None
        (invoice,) = picked
        remittance = Remittance(source="payment", reference=f"pi_{ref}", amount=invoice.open, currency=invoice.currency,
                                on=invoice.due_date, payer_name=self.people[invoice.customer_id].name,
                                texts=(invoice.stripe_ids[0],), customer_id=invoice.customer_id)
        self.closed.add(invoice.id)
        return Payment(remittance=remittance, truth=frozenset([invoice.id]), kind="stripe", unambiguous=True)

    # --- ambiguous kinds ----------------------------------------------------------------------

    def _combined_partial_text(self, ref):
        invoices = self._several(self.rng.randint(2, 4))
        if not invoices:
            return None
        named = invoices[:self.rng.randint(1, len(invoices) - 1)]
        text = spellings.several(self.rng, [i.number for i in named]) + self.rng.choice(
            [" und weitere", " and others", " etc.", ""])
        return self._paid(ref, invoices, _total(invoices), text, "combined_partial_text", False)

    def _partial(self, ref):
        picked = self._pick(lambda i: i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        part = quantize(invoice.open * Decimal(self.rng.randint(30, 80)) / 100, invoice.currency)
        return self._paid(ref, picked, part, self._spelled(invoice), "partial", False)

    def _bank_fee_large(self, ref):
        picked = self._pick(lambda i: i.open >= 400 * _SCALE[i.currency] and i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        fee = quantize(Decimal(self.rng.randint(2000, 6000)) / 100 * _SCALE[invoice.currency], invoice.currency)
        return self._paid(ref, picked, invoice.open - fee, self._spelled(invoice), "bank_fee_large", False)

    def _discount_late(self, ref):
        picked = self._pick(lambda i: i.discount is not None and i.open >= 1000 * _SCALE[i.currency]
                            and i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        on = invoice.discount.until + timedelta(days=self.rng.randint(6, 20))
        paid = quantize(invoice.total * (1 - invoice.discount.rate), invoice.currency)
        return self._paid(ref, picked, paid, self._spelled(invoice), "discount_late", False, on=on)

    def _over_large(self, ref):
        picked = self._pick(lambda i: i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        extra = quantize(Decimal(self.rng.randint(60000, 200000)) / 100 * _SCALE[invoice.currency], invoice.currency)
        return self._paid(ref, picked, invoice.open + extra, self._spelled(invoice), "over_large", False)

    def _wrong_reference(self, ref):
        picked = self._pick(lambda i: i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        year = invoice.number[4:8]
        wrong = f"INV-{year}-{self.rng.randint(1, len(self.book) + 500):06d}"
        if wrong == invoice.number:
            return None
        return self._paid(ref, picked, invoice.open, spellings.around(self.rng, self._strong_number(wrong)),
                          "wrong_reference", False)

    def _paid_reference(self, ref):
        picked = self._pick(lambda i: i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        paid_before = f"INV-{invoice.number[4:8]}-{len(self.book) + self.rng.randint(1, 9000):06d}"
        extra = quantize(Decimal(self.rng.randint(2000, 50000)) / 100 * _SCALE[invoice.currency], invoice.currency)
        text = f"{self._strong_number(invoice.number)} {self._strong_number(paid_before)}"
        return self._paid(ref, picked, invoice.open + extra, text, "paid_reference", False)

    def _third_party_unknown(self, ref):
        picked = self._pick(lambda i: i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        payer = self.rng.choice(["Zahlungsservice Nord GmbH", "Global Pay Solutions Ltd", "Factoring Partner AG",
                                 "M. Schneider", "Treuhand Kontor KG"])
        return self._paid(ref, picked, invoice.open, self._spelled(invoice), "third_party_unknown", False,
                          iban=_iban_of(self.rng), name=payer)

    def _similar_name(self, ref):
        picked = self._pick(lambda i: self.people[i.customer_id].twin is not None)
        if not picked:
            return None
        (invoice,) = picked
        return self._paid(ref, picked, invoice.open, self.rng.choice(["Zahlung", "Payment", ""]), "similar_name",
                          False, iban=_iban_of(self.rng), name=self._shared_name(self.people[invoice.customer_id]))

    def _cross_customer(self, ref):
        picked = self._pick(lambda i: self.people[i.customer_id].twin is not None and i.number not in self.shared)
        if not picked:
            return None
        (invoice,) = picked
        other = self.people[self.people[invoice.customer_id].twin]
        return self._paid(ref, picked, invoice.open, self._spelled(invoice), "cross_customer", False,
                          iban=other.iban or _iban_of(self.rng), name=other.name)

    def _anonymous(self, ref):
        picked = self._pick(lambda i: i.open in (Decimal(p) for p in ("49.00", "99.00", "119.00", "199.00")))
        if not picked:
            return None
        (invoice,) = picked
        return self._paid(ref, picked, invoice.open, self.rng.choice(["Zahlung", "Payment", "Pago"]), "anonymous",
                          False, iban=_iban_of(self.rng), name="Treuhand Zahlungsdienst")

    # --- picking and writing --------------------------------------------------------------------

    def _pick(self, wanted) -> list[OpenInvoice]:
        for _ in range(40):
            invoice = self.rng.choice(self.book)
            if invoice.id not in self.used and wanted(invoice):
                self.used.add(invoice.id)
                return [invoice]
        return []

    def _several(self, count: int, *, known: bool = False, at_most: int | None = None) -> list[OpenInvoice]:
        """``count`` untouched invoices of one customer in one currency (whose IBAN is known, who
        has ``at_most`` invoices)."""
        for _ in range(40):
            first = self.rng.choice(self.book)
            if first.id in self.used or first.number in self.shared or known and not self._known(first):
                continue
            if at_most is not None and len(self.mine[first.customer_id]) > at_most:
                continue
            others = [i for i in self.mine[first.customer_id] if i.id not in self.used and i.id != first.id
                      and i.number not in self.shared]
            if len(others) >= count - 1:
                picked = [first, *self.rng.sample(others, count - 1)]
                self.used.update(i.id for i in picked)
                return picked
        return []

    def _known(self, invoice: OpenInvoice) -> bool:
        return self._known_customer(self.people[invoice.customer_id])

    @staticmethod
    def _known_customer(customer: Customer) -> bool:
        return customer.iban is not None and customer.iban_known != "unknown"

    def _others(self, invoice: OpenInvoice) -> list[OpenInvoice]:
        """The customer's other invoices still open when this payment comes."""
        return [i for i in self._open(invoice.customer_id) if i.id != invoice.id]

    def _open(self, customer_id: int) -> list[OpenInvoice]:
        return [i for i in self.mine[customer_id] if i.id not in self.closed]

    def _only_set(self, invoices: list[OpenInvoice]) -> bool:
        """True when no other set of 1-4 of the customer's invoices adds up to the same amount;
        when one does, it is kept open (so the payment stays as ambiguous as it was made)."""
        total, chosen = _total(invoices), frozenset(i.id for i in invoices)
        rivals = [i for size in range(1, 5) for combo in combinations(self._open(invoices[0].customer_id), size)
                  if sum(i.open for i in combo) == total and frozenset(i.id for i in combo) != chosen for i in combo]
        return self._keep_open([i for i in rivals if i.id not in chosen])

    def _adding_up_to(self, invoice: OpenInvoice, amount: Decimal) -> list[OpenInvoice]:
        """Other invoices of the customer of which one to three add up to ``amount``."""
        others = self._others(invoice)
        return [i for size in range(1, 4) for combo in combinations(others, size)
                if sum(i.open for i in combo) == amount for i in combo]

    def _keep_open(self, rivals: list[OpenInvoice]) -> bool:
        """True when there are no ``rivals``; else they are kept open (no later payment pays them),
        so the payment meets them as it was made, and False."""
        self.used.update(i.id for i in rivals)
        return not rivals

    def _spelled(self, invoice: OpenInvoice) -> str:
        return spellings.around(self.rng, spellings.one(self.rng, invoice.number)[1])

    def _strong(self, invoice: OpenInvoice) -> str:
        """A spelling with our prefix or an invoice word (an overpayment must be clearly referenced)."""
        while True:
            family, text = spellings.one(self.rng, invoice.number)
            if family not in ("bare", "split"):
                return text

    def _strong_number(self, number: str) -> str:
        return self.rng.choice([number, f"Rechnung {number[4:]}", f"Invoice {number[4:8]}-{int(number[9:])}",
                                f"Fattura {number[4:8]}/{number[9:]}"])

    def _shared_name(self, customer: Customer) -> str:
        """The name as a payer writes it that fits the customer and its near-duplicate alike: without
        the legal form when only that tells them apart, else the name itself."""
        words = customer.name.split()
        twin = self.people[customer.twin].name.split()
        if words[:-1] == twin[:-1] and words[-1].lower() in _FORMS and twin[-1].lower() in _FORMS:
            return " ".join(words[:-1])
        return customer.name  # without its legal form it would be the other's full name

    def _paid(self, ref: str, invoices: list[OpenInvoice], amount: Decimal, text: str, kind: str, clear: bool, *,
              on: date | None = None, iban: str | None = None, name: str | None = None) -> Payment:
        customer = self.people[invoices[0].customer_id]
        payer_iban = iban or customer.iban  # the customer's account: known to the hub or not (iban_known)
        known = iban is None and self._known_customer(customer)
        remittance = Remittance(
            source="bank_transaction", reference=ref, amount=quantize(amount, customer.currency),
            currency=customer.currency, on=on or invoices[0].due_date + timedelta(days=self.rng.randint(-10, 20)),
            payer_name=name or self._written_name(customer, known), payer_iban=payer_iban,
            texts=(text,) if text else (),
        )
        if clear:  # the clerk applies it: its invoices are paid for the payments after it
            self.closed.update(i.id for i in invoices)
        return Payment(remittance=remittance, truth=frozenset(i.id for i in invoices), kind=kind, unambiguous=clear)

    def _written_name(self, customer: Customer, known: bool) -> str:
        """The customer's name as its bank writes it: as is, in capitals, a letter lost, no legal form
        (only as is or in capitals for a customer with a near-duplicate name, unless the payment
        comes from its ``known`` IBAN)."""
        name, roll = customer.name, self.rng.random()
        if roll < 0.35 or customer.twin is not None and not known:
            return name.upper() if roll < 0.35 else name
        words = name.split()
        if roll < 0.55 and len(name) > 8:
            at = self.rng.randint(1, len(name) - 2)
            return name[:at] + name[at + 1:]
        if roll < 0.7 and words[-1].lower() in _FORMS:
            return " ".join(words[:-1])
        return name


def _total(invoices: list[OpenInvoice]) -> Decimal:
    return sum((i.open for i in invoices), Decimal(0))


def _iban_of(rng: random.Random) -> str:
    bban = "".join(rng.choice("0123456789") for _ in range(18))
    return f"DE{98 - int(bban + '131400') % 97:02d}{bban}"

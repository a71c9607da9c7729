"""Points for one candidate invoice set, each with the reason a person reads.

Each reason is data (:class:`Reason`): the signal it comes from, the points it adds and its
wording; the points of a set's reasons add up to its score. The signals:

    reference   every invoice of the set named in the remittance     its payment reference,
                                                                    RF / Stripe id 55, number
                                                                    (our prefix or an invoice
                                                                    word) 50, bare number 40
                some of them                                         20 × share
                an open invoice named but left out of the set        −25
                ... when it is another customer's and does not fit   −10
                (not when the set holds an invoice of the same number: two invoices may share one)
    amount      exact 35, after early-payment discount 30, short within tolerance 25,
                over (rest kept as credit) 10 and partial 5 when referenced, else 0 / −10
    customer    given by the source 25, IBAN known 20, a known payer name 20, payer name ≥ 90
                and no other customer's within 10 points → 20, else ≥ 90 → 15, ≥ 80 → 8,
                the payer IBAN known for another customer −30, invoices of several customers −20
    uniqueness  the only item (or combination) of an identified customer with exactly the
                amount (or after discount) +15; the only item short within tolerance, when
                none is exact, +10
    date        a due date within 7 days of the payment +5, within 30 days +3

    signal            points  when
    reference         55..20  every (or some) invoice of the set named; a second named invoice
                              of the set is its own reason with 0 points (the signal counts once)
    other_reference   −25/−10 an open invoice named but left out of the set
    amount            35..−10 how the amount fits the set (exact, discount, short, over, partial)
    several_customers −20     invoices of several customers
    iban_elsewhere    −30     the payer IBAN is known for another customer
    customer          25      the source names the customer
    iban              20      the payer IBAN is known for the customer
    known_payer       20      the payer name is one known to pay for the customer
    payer_name        20/15/8 the payer name matches the customer's
    only_fit          15/10   the only item or combination of the customer that fits
    due_date          5/3     a due date within 7 / 30 days of the payment

A set is applied without a person only with at least ``Policy.auto_score`` points and
``Policy.margin`` more than the runner-up (see matcher).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hub.o2c.cashapp.book import OpenInvoice
from hub.o2c.cashapp.customers import Evidence
from hub.o2c.cashapp.normalize import Remittance

REFERENCE_POINTS = {"payment_reference": 55, "rf": 55, "stripe": 55, "number": 50, "keyword": 50, "bare": 40}
_BEST_REFERENCE = max(REFERENCE_POINTS.values())
_REFERENCE_WORDS = {"payment_reference": "payment reference of {}", "rf": "RF creditor reference {}",
                    "stripe": "Stripe id {}", "number": "reference {}", "keyword": "reference {}",
                    "bare": "number of {}"}
AMOUNT_POINTS = {"exact": 35, "discount": 30, "short": 25}
_AMOUNT_WORDS = {"exact": "amount equals open amount", "discount": "amount equals open amount less early-payment discount",
                 "short": "amount short of open amount within tolerance", "over": "amount exceeds open amount (rest kept as credit)",
                 "partial": "amount is a partial payment"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """A reference to an open invoice found in the remittance: its kind and the text seen, and
    the mentions (positions in the match's list) that name it."""

    kind: str
    text: str
    number: str = ""
    customer_id: int | None = None
    fits: bool = True
    mentions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """One signal behind a candidate's score: ``signal`` (see the module docstring), the
    ``points`` it adds, and its ``text`` as a person reads it."""

    signal: str
    points: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Scored:
    points: int
    reasons: tuple[Reason, ...]


def score(remittance: Remittance, invoices: Sequence[OpenInvoice], fit: str,
          hits: Mapping[int, Hit], evidence: Mapping[int, Evidence], *, unique: bool,
          iban_owners: tuple[int, ...]) -> Scored:
    """The points of one candidate set (``fit`` as the allocation found it) and why."""
    reasons: list[Reason] = []
    total = _points(remittance, invoices, fit, hits, evidence, unique, iban_owners, reasons)
    return Scored(points=total, reasons=tuple(reasons))


def points(remittance: Remittance, invoices: Sequence[OpenInvoice], fit: str,
           hits: Mapping[int, Hit], evidence: Mapping[int, Evidence], *, unique: bool,
           iban_owners: tuple[int, ...]) -> int:
    """The points of :func:`score` without writing the reasons (every candidate is counted, only
    the best two are explained)."""
    return _points(remittance, invoices, fit, hits, evidence, unique, iban_owners, None)


def upper_bound(invoices: Sequence[OpenInvoice], fit: str, hits: Mapping[int, Hit],
                evidence: Mapping[int, Evidence], *, unique: bool) -> int:
    """The most :func:`points` can give the set, cheaply: the best reference when one of its
    invoices is named, the amount, the customer's evidence, uniqueness and the date's 5, no
    penalties."""
    referenced = _any_referenced(invoices, hits) if hits else False
    found = evidence.get(invoices[0].customer_id)
    return ((_BEST_REFERENCE if referenced else 0) + _amount(fit, referenced, None)
            + (_customer_points(found, None) if found else 0) + (15 if unique else 0) + 5)


def _points(remittance: Remittance, invoices: Sequence[OpenInvoice], fit: str, hits: Mapping[int, Hit],
            evidence: Mapping[int, Evidence], unique: bool, iban_owners: tuple[int, ...],
            reasons: list[Reason] | None) -> int:
    # the parts append their reasons to ``reasons`` in this order, or skip the wording when None
    return (_reference(invoices, hits, reasons)
            + _amount(fit, bool(hits) and _any_referenced(invoices, hits), reasons)
            + _customer(invoices, evidence, iban_owners, reasons)
            + _unique(unique, invoices, fit, evidence, reasons)
            + _date(remittance, invoices, reasons))


def _any_referenced(invoices: Sequence[OpenInvoice], hits: Mapping[int, Hit]) -> bool:
    return any(i.id in hits for i in invoices)


def _reference(invoices: Sequence[OpenInvoice], hits: Mapping[int, Hit], reasons: list[Reason] | None) -> int:
    if not hits:
        return 0
    named = [i for i in invoices if i.id in hits]
    points = min((REFERENCE_POINTS[hits[i.id].kind] for i in named), default=0)
    if named and len(named) < len(invoices):
        points = round(20 * len(named) / len(invoices))
    if reasons is not None:
        reasons.extend(Reason(signal="reference", points=points if k == 0 else 0, text=_named_words(i, hits[i.id]))
                       for k, i in enumerate(named))
    left_out = _left_out(hits, invoices)
    if not left_out:
        return points
    owner = invoices[0].customer_id
    if all(h.customer_id != owner and not h.fits for h in left_out):
        # most likely a mistyped reference: someone else's invoice, and the money does not fit it
        if reasons is not None:
            reasons.append(Reason(signal="other_reference", points=-10, text=(
                f"remittance also names {_numbers(left_out)} of another customer, whose open amount does not fit")))
        return points - 10
    if reasons is not None:
        reasons.append(Reason(signal="other_reference", points=-25,
                              text=f"remittance also names {_numbers(left_out)}, not in this set"))
    return points - 25


def _named_words(invoice: OpenInvoice, hit: Hit) -> str:
    return (f"{_REFERENCE_WORDS[hit.kind].format(invoice.number)} found in remittance"
            + ("" if hit.text == invoice.number else f" ({hit.text!r})"))


def _numbers(hits: list[Hit]) -> str:
    return ", ".join(sorted(h.number for h in hits))


def _left_out(hits: Mapping[int, Hit], invoices: Sequence[OpenInvoice]) -> list[Hit]:
    """The named invoices outside the set whose mention the set does not answer (a number two
    invoices share is answered by either)."""
    inside = {i.id for i in invoices}
    outside = [h for iid, h in hits.items() if iid not in inside]
    if not outside:
        return outside
    answered = {m for i in invoices if i.id in hits for m in hits[i.id].mentions}
    return [h for h in outside if not answered.intersection(h.mentions)]


def _amount(fit: str, referenced: bool, reasons: list[Reason] | None) -> int:
    points = AMOUNT_POINTS.get(fit)
    if points is None:
        points = (10 if fit == "over" else 5) if referenced else (0 if fit == "over" else -10)
    if reasons is not None:
        reasons.append(Reason(signal="amount", points=points, text=_AMOUNT_WORDS[fit]))
    return points


def _customer(invoices: Sequence[OpenInvoice], evidence: Mapping[int, Evidence],
              iban_owners: tuple[int, ...], reasons: list[Reason] | None) -> int:
    owner = invoices[0].customer_id
    if any(i.customer_id != owner for i in invoices):
        if reasons is not None:
            reasons.append(Reason(signal="several_customers", points=-20, text="invoices of several customers"))
        return -20
    found = evidence.get(owner)
    points = 0
    if iban_owners and (found is None or not found.iban):
        points = -30
        if reasons is not None:
            reasons.append(Reason(signal="iban_elsewhere", points=-30, text="payer IBAN is known for another customer"))
    if found is None:
        return points
    return points + _customer_points(found, reasons)


def _customer_points(found: Evidence, reasons: list[Reason] | None) -> int:
    points = 25 * found.given + 20 * found.iban + 20 * found.payer_name
    name_points = 0
    if found.name_alone:
        name_points = 20
    elif found.name_score >= 80:
        name_points = 15 if found.name_score >= 90 else 8
    if reasons is not None:
        reasons.extend(_customer_reasons(found, name_points))
    return points + name_points


def _customer_reasons(found: Evidence, name_points: int) -> list[Reason]:
    reasons = [Reason(signal="customer", points=25, text=f"payment names customer {found.name}")] if found.given else []
    if found.iban:
        reasons.append(Reason(signal="iban", points=20, text=f"IBAN known for {found.name}"))
    if found.payer_name:
        reasons.append(Reason(signal="known_payer", points=20, text=f"payer name known to pay for {found.name}"))
    if found.name_alone:
        reasons.append(Reason(signal="payer_name", points=name_points, text=(
            f"payer name matches {found.name} ({found.name_score:.0f} %), no other customer's name is close")))
    elif name_points:
        reasons.append(Reason(signal="payer_name", points=name_points,
                              text=f"payer name matches {found.name} ({found.name_score:.0f} %)"))
    return reasons


def _unique(unique: bool, invoices: Sequence[OpenInvoice], fit: str, evidence: Mapping[int, Evidence],
            reasons: list[Reason] | None) -> int:
    if not unique:
        return 0
    points = 10 if fit == "short" else 15
    if reasons is not None:
        name = evidence[invoices[0].customer_id].name
        text = (f"only open item of {name} that fits the amount" if fit == "short"
                else f"only combination of open items of {name} that adds up to the amount"
                if len(invoices) > 1 else f"only open item of {name} with exactly this amount")
        reasons.append(Reason(signal="only_fit", points=points, text=text))
    return points


def _date(remittance: Remittance, invoices: Sequence[OpenInvoice], reasons: list[Reason] | None) -> int:
    on = remittance.on
    days = [abs((i.due_date - on).days) for i in invoices if i.due_date] if on else []
    if not days or min(days) > 30:
        return 0
    near = min(days) <= 7
    points = 5 if near else 3
    if reasons is not None:
        reasons.append(Reason(signal="due_date", points=points, text=(
            "paid within 7 days of the due date" if near else "paid within 30 days of the due date")))
    return points

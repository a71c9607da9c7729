"""Does a candidate set explain the whole payment? Only then is it applied without a person.

    references  every reference found in the remittance is answered by the set: each names an
                invoice of the set (a reference to an invoice that is not open, or to one left
                out, keeps the payment for a person); the remittance names every invoice of the
                set, or none and the set is the only one of a known payer that fits the amount
    payer       the set's invoices are one customer's, and the payer is that customer: named by
                the source, a known IBAN (bank accounts or learned), a known payer name, or a
                name that identifies it alone (hub.o2c.cashapp.customers); for a set the
                remittance references, also a name matching the customer's at least 85 % that
                no other customer's name matches better. Never another customer's invoices on a
                fuzzy name alone; a payer IBAN known for another customer contradicts it
    amount      exact; less by an early-payment discount within its window; less by a bank fee
                or a write-off within the policy; or more, when every invoice of the set is
                referenced, the policy keeps the rest as credit, and the rest is not what other
                open items of the customer add up to

:func:`unexplained` returns what is not explained, each in words; an empty list explains all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice, minor_units
from hub.o2c.cashapp.customers import CustomerDirectory
from hub.o2c.cashapp.policy import Policy
from hub.o2c.cashapp.subsets import subsets_summing_to

#: A referenced set's payer may be taken for its customer by a name this close that no other
#: customer's matches better.
NAME_CONSISTENT = 85.0

if TYPE_CHECKING:
    from hub.o2c.cashapp.matcher import Candidate


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """A reference found in the remittance: how it was written (``kind``: payment_reference, rf,
    stripe, number, keyword, bare; ``text``) and the open invoices in the payment's currency it
    names (empty: it names no open invoice)."""

    kind: str
    text: str
    invoices: frozenset[int]


def unexplained(candidate: Candidate, *, mentions: Sequence[Mention], customers: CustomerDirectory,
                book: InvoiceBook, policy: Policy, held: Sequence[str] = ()) -> list[str]:
    """What ``candidate`` leaves unexplained about the payment, in words (empty: nothing), after
    ``held`` (what already keeps it for a person). Whether the rest of an overpayment is what
    other open items come to is searched last, and only when nothing else holds the payment."""
    found = [*held, *_references(candidate, mentions, book), *_payer(candidate, customers, mentions),
             *_amount(candidate, mentions, policy)]
    if not found and candidate.fit == "over":
        found = _surplus(candidate, book, policy)
    return found


def _references(candidate: Candidate, mentions: Sequence[Mention], book: InvoiceBook) -> list[str]:
    inside = {i.id for i in candidate.invoices}
    held = []
    for mention in mentions:
        if mention.invoices & inside:
            continue
        if not mention.invoices:
            held.append(f"the remittance names {mention.text!r}, which is not an open invoice")
        else:
            numbers = ", ".join(sorted(book.by_id[i].number for i in mention.invoices if i in book.by_id))
            held.append(f"the remittance also names {numbers} ({mention.text!r}), which this set leaves out")
    named = {i for m in mentions for i in m.invoices & inside}
    if not named and not candidate.unique:
        held.append("no reference names these invoices, and they are not the only open items "
                    "of a known payer that fit the amount")
    elif named and len(named) < len(inside):
        unnamed = ", ".join(i.number for i in candidate.invoices if i.id not in named)
        held.append(f"the remittance does not name {unnamed} of this set; the amount alone adds it")
    return held


def _payer(candidate: Candidate, customers: CustomerDirectory, mentions: Sequence[Mention]) -> list[str]:
    owners = {i.customer_id for i in candidate.invoices}
    if len(owners) > 1:
        return ["the invoices are several customers'"]
    scoring = candidate.scoring
    owner = owners.pop()
    name = customers.display.get(owner, f"customer {owner}")
    held = []
    if scoring.iban_owners and owner not in scoring.iban_owners:
        others = ", ".join(customers.display.get(c, f"customer {c}") for c in scoring.iban_owners)
        held.append(f"the payer's IBAN is known for {others}, not for {name}")
    found = scoring.evidence.get(owner)
    if found is not None and found.payer_known:
        return held
    inside = {i.id for i in candidate.invoices}
    referenced = any(m.invoices & inside for m in mentions)
    payer = scoring.remittance.payer_name
    if not payer:
        return [*held, f"nothing says the payer is {name} (no payer name, IBAN unknown)"]
    score = customers.name_points(payer, owner)
    rival = max(((customers.name_points(payer, cid), e.name) for cid, e in scoring.evidence.items() if cid != owner),
                default=(0.0, ""))
    if rival[0] > score:
        return [*held, f"the payer name matches {rival[1]} better than {name}"]
    if not referenced:
        return [*held, f"no reference names the invoices, and the payer name ({score:.0f} % {name}) alone "
                       "does not tell the customer (another customer's name is as close, or it is not close)"]
    if score < NAME_CONSISTENT:
        return [*held, f"the payer is not known to pay for {name} (IBAN and payer name unknown for it; "
                       f"the name matches {score:.0f} %)"]
    return held


def _amount(candidate: Candidate, mentions: Sequence[Mention], policy: Policy) -> list[str]:
    fit = candidate.fit
    if fit in ("exact", "discount", "short"):
        return []
    remittance = candidate.scoring.remittance
    currency = remittance.currency
    open_total = sum((i.open for i in candidate.invoices), Decimal(0))
    if fit == "partial":
        return [f"the payment is {open_total - remittance.amount} {currency} short of the "
                f"{open_total} {currency} open, more than a bank fee or write-off the policy allows"]
    surplus = remittance.amount - open_total
    held = []
    if not policy.tolerance.keeps_credit(surplus, currency):
        held.append(f"the payment is {surplus} {currency} more than the {open_total} {currency} open, "
                    f"more than the policy keeps as credit ({_credit_limit(policy, currency)})")
    named = {i for m in mentions if m.kind != "bare" for i in m.invoices}
    if any(i.id not in named for i in candidate.invoices):
        held.append(f"the payment is {surplus} {currency} more than the open amount, and not every "
                    "invoice of the set is referenced")
    return held


def _surplus(candidate: Candidate, book: InvoiceBook, policy: Policy) -> list[str]:
    remittance = candidate.scoring.remittance
    surplus = remittance.amount - sum((i.open for i in candidate.invoices), Decimal(0))
    twins = _surplus_items(candidate.invoices, surplus, book, policy)
    if not twins:
        return []
    return [f"the {surplus} {remittance.currency} paid over is what {', '.join(twins)} still open comes to"]


def _credit_limit(policy: Policy, currency: str) -> str:
    if not policy.tolerance.keep_overpayment:
        return "none"
    return f"{policy.tolerance.overpayment_max.of(currency)} {currency}"


def _surplus_items(invoices: Sequence[OpenInvoice], surplus: Decimal, book: InvoiceBook, policy: Policy) -> list[str]:
    """Other open items of the customer (one, or two to four of the oldest) whose open amount is
    the surplus: the payment most likely pays them too."""
    owner, inside = invoices[0].customer_id, {i.id for i in invoices}
    currency = invoices[0].currency
    cents = minor_units(surplus, currency)
    same = [i for i in book.same_amount(currency, cents).values() if i.customer_id == owner and i.id not in inside]
    if same:
        return [same[0].number]
    pool = [i for i in book.by_customer.get(owner, []) if i.id not in inside and i.currency == currency]
    pool = pool[:policy.subset_candidates]
    found, _ = subsets_summing_to([i.cents for i in pool], cents, size=policy.subset_size, limit=1)
    return [pool[k].number for k in found[0]] if found else []

"""Incoming money in one shape, whatever its source: a :class:`Remittance`.

A canonical ``payment`` (Stripe, ...) and a canonical ``bank_transaction`` (camt.053, MT940)
carry the same facts under different names; the matcher only sees a Remittance.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hub.money import quantize

#: Legal forms and filler words left out when payer and customer names are compared.
_NAME_NOISE = frozenset(
    "gmbh ag kg ohg ug mbh co kgaa se sa sas sarl srl spa bv nv ltd limited llc llp inc corp "
    "corporation company plc oy ab as aps the und and".split()
)
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Remittance:
    """Money received, as the matcher sees it.

    ``reference`` is what applications point at: the payment reference, or the bank
    transaction's id. ``texts`` are every free text that may carry invoice references.
    """

    source: str
    reference: str
    amount: Decimal
    currency: str
    on: date | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    texts: tuple[str, ...] = ()
    customer_id: int | None = None


def from_payment(record: dict[str, Any], *, customer_id: int | None = None) -> Remittance:
    """A canonical payment; ``customer_id`` when the source already names the customer."""
    payer = record.get("payer") or {}
    attributes = record.get("attributes") or {}
    texts = (record.get("remittance_info"), attributes.get("invoice_number"),
             attributes.get("stripe_invoice"), attributes.get("stripe_id"))
    return Remittance(
        source="payment", reference=record["reference"], currency=record["currency"],
        amount=quantize(record["amount"], record["currency"]), on=_day(record),
        payer_name=payer.get("name"), payer_iban=compact_iban(payer.get("iban")),
        texts=tuple(str(t) for t in texts if t), customer_id=customer_id,
    )


def from_bank_transaction(record: dict[str, Any]) -> Remittance:
    """A canonical bank transaction (a credit: money in)."""
    party = record.get("counterparty") or {}
    texts = (record.get("creditor_reference"), record.get("remittance_info"),
             record.get("additional_info"), record.get("end_to_end_id"))
    return Remittance(
        source="bank_transaction", reference=record["id"], currency=record["currency"],
        amount=quantize(record["amount"], record["currency"]),
        on=_iso_day(record.get("value_date") or record.get("booking_date")),
        payer_name=party.get("name"), payer_iban=compact_iban(party.get("iban")),
        texts=tuple(str(t) for t in texts if t),
    )


def _day(record: dict[str, Any]) -> date | None:
    return _iso_day(record.get("value_date") or (record.get("received_at") or "")[:10] or None)


def _iso_day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10]) if value else None


def compact_iban(iban: str | None) -> str | None:
    """An IBAN without spaces, in capitals (None stays None)."""
    return "".join(iban.split()).upper() if iban else None


def name_key(name: str | None) -> str:
    """A name folded for comparison: no accents, no case, no legal form, single spaces.

    >>> name_key("Müller & Söhne GmbH")
    'muller sohne'
    """
    if not name:
        return ""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = _legal_forms_joined(_NOT_WORD.sub(" ", ascii_text.lower()).split())
    kept = [w for w in words if w not in _NAME_NOISE]
    return " ".join(kept or words)


def _legal_forms_joined(words: list[str]) -> list[str]:
    """Single letters that spell a legal form joined into it (B.V. → bv, S.p.A. → spa); other
    single letters (A.C.M.E.) stay as they are."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if run:
            joined = "".join(run)
            out.extend([joined] if joined in _NAME_NOISE else run)
            run = []
        if word:
            out.append(word)
    return out

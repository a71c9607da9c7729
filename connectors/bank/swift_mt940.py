"""SWIFT MT940 (customer statement) → :class:`Statement`, through the ``mt-940`` package.

A file may hold several statements (one per ``:20:`` block, e.g. several pages of one day);
each block is parsed on its own so every statement keeps its own balances and id.

The ``:86:`` information is free text whose layout differs per bank. What is common is read
here: the SEPA-style ``/TAG/value`` fields (``/EREF/``, ``/REMI/``, ``/NAME/``, ``/IBAN/``,
``/BIC/``, ``/CNTP/iban/bic/name/``) and the German ``?20``…``?63`` sub-fields (which the package
splits for us). Anything else is kept whole as the remittance information.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import mt940

from connectors.bank.model import (
    Account, Balance, BankTransaction, Counterparty, Statement, clean, creditor_reference_in, is_iban,
)
from hub.errors import FatalError
from hub.money import quantize

BLOCK_START = re.compile(r"^:20:", re.MULTILINE)
SLASH_TAGS = re.compile(r"/(EREF|REMI|NAME|IBAN|BIC|CNTP|ORDP|BENM|KREF|MARF|CSID|PURP)/")
NO_REFERENCE = frozenset({"", "NONREF", "NOREF", "NOTPROVIDED"})


def parse_mt940(data: bytes) -> list[Statement]:
    """Every statement (``:20:`` block) of an MT940 file."""
    text = _text(data)
    starts = [m.start() for m in BLOCK_START.finditer(text)]
    if not starts:
        raise FatalError("no :20: field: not an MT940 statement")
    blocks = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    return [_statement(mt940.parse(block)).with_dedupe_ids() for block in blocks]


def _text(data: bytes) -> str:
    """The file as text: UTF-8 when it is, else Latin-1 (SWIFT's own character set is ASCII)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _statement(parsed: mt940.models.Transactions) -> Statement:
    info = parsed.data
    opening = info.get("final_opening_balance") or info.get("intermediate_opening_balance")
    closing = info.get("final_closing_balance") or info.get("intermediate_closing_balance")
    currency = (opening or closing).amount.currency if (opening or closing) else info.get("currency")
    if not currency:
        raise FatalError("MT940 statement without an opening or closing balance (:60a:/:62a:)")
    number = "/".join(str(info[k]) for k in ("statement_number", "sequence_number") if info.get(k))
    return Statement(
        account=Account.of(str(info.get("account_identification") or "")), currency=currency,
        opening=_balance(opening), closing=_balance(closing),
        transactions=tuple(_transaction(t.data, currency) for t in parsed),
        statement_id=" ".join(p for p in (info.get("transaction_reference"), number) if p) or None,
        source_format="mt940",
    )


def _balance(balance: Any) -> Balance | None:
    if balance is None:
        return None
    currency = balance.amount.currency
    return Balance(amount=quantize(balance.amount.amount, currency), currency=currency, on=balance.date)


def _transaction(t: dict[str, Any], currency: str) -> BankTransaction:
    amount: Decimal = quantize(t["amount"].amount, t.get("currency") or currency)
    details = _details(t)
    remittance = details.get("REMI") or clean(t.get("transaction_details") or t.get("non_swift_text"))
    return BankTransaction(
        booking_date=t.get("entry_date") or t["date"], value_date=t["date"],
        amount=amount, currency=t.get("currency") or currency,
        counterparty=_counterparty(details), remittance_info=remittance,
        creditor_reference=creditor_reference_in(remittance),
        end_to_end_id=details.get("EREF"), bank_reference=_reference(t.get("bank_reference")),
        entry_reference=_reference(t.get("customer_reference")), transaction_code=(t.get("id") or "").strip() or None,
        additional_info=clean(t.get("extra_details")),
    )


def _details(t: dict[str, Any]) -> dict[str, str]:
    """Structured fields of :86:, from ``/TAG/`` fields or the German ``?NN`` sub-fields."""
    found = _slash_fields(t.get("transaction_details") or "")
    german = {"REMI": t.get("purpose"), "NAME": t.get("applicant_name"), "IBAN": t.get("applicant_iban"),
              "BIC": t.get("applicant_bin"), "EREF": t.get("end_to_end_reference")}
    return {k: v for k, v in {**{k: clean(v) for k, v in german.items()}, **found}.items() if v}


def _slash_fields(text: str) -> dict[str, str]:
    """``/EREF/123/REMI/INV 1/`` → {"EREF": "123", "REMI": "INV 1"}; CNTP splits into IBAN/BIC/NAME."""
    flat = "".join(text.splitlines())
    parts = SLASH_TAGS.split(flat)
    fields = {parts[i]: clean(parts[i + 1].strip("/")) for i in range(1, len(parts) - 1, 2)}
    for party in ("CNTP", "ORDP", "BENM"):
        if fields.get(party):
            iban, bic, name = (fields.pop(party).split("/") + ["", "", ""])[:3]
            fields.update({"IBAN": iban, "BIC": bic, "NAME": name})
    return {k: v for k, v in fields.items() if v}


def _counterparty(details: dict[str, str]) -> Counterparty:
    account = details.get("IBAN")
    compact = "".join((account or "").split()).upper()
    return Counterparty(name=details.get("NAME"), iban=compact if is_iban(compact) else None,
                        account=account if account and not is_iban(compact) else None, bic=details.get("BIC"))


def _reference(value: str | None) -> str | None:
    text = (value or "").strip()
    return None if text.upper() in NO_REFERENCE else text

"""What a parsed bank statement is, independent of its file format; pure, no I/O.

    Statement(account, currency, opening, closing, transactions, statement_id, source_format)
    └── BankTransaction  → .canonical()  a canonical ``bank_transaction`` record

Amounts are Decimal, signed (credit +, debit −) and quantized to the currency. Each
transaction's ``dedupe_id`` is a hash of what identifies it at the bank (account, dates, amount,
references, counterparty), not of the file it came in, so the same transaction delivered in a
re-sent or overlapping statement gets the same id.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from hub.money import quantize

IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$")
CREDITOR_REFERENCE = re.compile(r"\bRF\d{2}[0-9A-Z]{1,21}\b")


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """An account as a statement identifies it."""

    id: str
    iban: str | None = None
    bic: str | None = None
    owner: str | None = None

    @classmethod
    def of(cls, identification: str, **extra: str | None) -> Account:
        """An account whose id is kept as given; it is also the IBAN when it looks like one."""
        compact = "".join(identification.split()).upper()
        return cls(id=identification.strip(), iban=compact if is_iban(compact) else None, **extra)


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    """A booked balance on a date (signed: negative when the account is overdrawn)."""

    amount: Decimal
    currency: str
    on: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Counterparty:
    """The other side of a transaction."""

    name: str | None = None
    iban: str | None = None
    account: str | None = None
    bic: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BankTransaction:
    """One movement on the account."""

    booking_date: date
    amount: Decimal
    currency: str
    value_date: date | None = None
    counterparty: Counterparty = field(default_factory=Counterparty)
    remittance_info: str | None = None
    creditor_reference: str | None = None
    end_to_end_id: str | None = None
    bank_reference: str | None = None
    entry_reference: str | None = None
    transaction_code: str | None = None
    status: str = "booked"
    additional_info: str | None = None
    dedupe_id: str = ""

    def canonical(self, statement: Statement) -> dict[str, Any]:
        """This transaction as a canonical ``bank_transaction`` record."""
        record: dict[str, Any] = {
            "id": self.dedupe_id, "account": _compact(_fields(statement.account)),
            "booking_date": self.booking_date.isoformat(), "amount": self.amount, "currency": self.currency,
            "value_date": self.value_date.isoformat() if self.value_date else None,
            "counterparty": _compact(_fields(self.counterparty)) or None,
            "statement_id": statement.statement_id, "source_format": statement.source_format,
        }
        texts = ("remittance_info", "creditor_reference", "end_to_end_id", "bank_reference",
                 "entry_reference", "transaction_code", "status", "additional_info")
        record.update({name: getattr(self, name) for name in texts})
        return _compact(record)


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One account statement: balances and the transactions between them."""

    account: Account
    currency: str
    opening: Balance | None
    closing: Balance | None
    transactions: tuple[BankTransaction, ...]
    statement_id: str | None = None
    source_format: str = ""

    def canonical(self) -> list[dict[str, Any]]:
        """Every transaction as a canonical record."""
        return [t.canonical(self) for t in self.transactions]

    def with_dedupe_ids(self) -> Statement:
        """A copy whose transactions carry their stable dedupe ids."""
        seen: Counter[str] = Counter()
        done = []
        for txn in self.transactions:
            key = identity_of(self.account, txn)
            seen[key] += 1  # identical twins on one statement stay apart by their position
            done.append(replace(txn, dedupe_id=dedupe_id(key, seen[key])))
        return replace(self, transactions=tuple(done))


def identity_of(account: Account, txn: BankTransaction) -> str:
    """What identifies a transaction at the bank, as one string."""
    parts = (account.iban or account.id, txn.booking_date.isoformat(), str(txn.value_date or ""),
             str(txn.amount), txn.currency, txn.bank_reference or "", txn.entry_reference or "",
             txn.end_to_end_id or "", txn.counterparty.iban or txn.counterparty.account or "",
             txn.remittance_info or "", txn.creditor_reference or "")
    return "\x1f".join(parts)


def dedupe_id(identity: str, occurrence: int) -> str:
    """``bt_`` and 32 hex digits of SHA-256 over the identity and its occurrence number."""
    return "bt_" + hashlib.sha256(f"{identity}\x1e{occurrence}".encode()).hexdigest()[:32]


def money(text: str, currency: str, *, debit: bool = False) -> Decimal:
    """A signed, quantized amount from a statement's decimal text ("1234.5" or "1234,5")."""
    value = quantize(text.strip().replace(",", "."), currency)
    return -value if debit else value


def is_iban(text: str | None) -> bool:
    return bool(text) and bool(IBAN.match(text))


def creditor_reference_in(text: str | None) -> str | None:
    """An ISO 11649 creditor reference (RF…) found in free text, if any."""
    found = CREDITOR_REFERENCE.search((text or "").upper())
    return found.group(0) if found else None


def clean(text: str | None) -> str | None:
    """Whitespace collapsed to single spaces; None when nothing is left."""
    flat = " ".join((text or "").split())
    return flat or None


def _fields(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v not in (None, "", {})}

"""Receivables for the console's AR pages: a customer, open invoices and bank lines that cash
application turns into proposals (a unique amount, a payer it does not know, no reference)."""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from hub.o2c.cashapp.service import CashApplication, Outcome
from hub.store.upsert import upsert

CUSTOMER = {"name": "ACME GmbH", "email": "ap@acme.example"}


def invoice(number: str, total: str, *, due: date, currency: str = "EUR", email: str = CUSTOMER["email"]) -> dict:
    return {"number": number, "currency": currency, "total": total, "amount_due": total, "status": "open",
            "customer": {"email": email}, "issue_date": (due - timedelta(days=30)).isoformat(),
            "due_date": due.isoformat()}


def bank_line(ident: str, amount: str, *, on: date, statement: str = "STMT-2024-04") -> dict:
    return {"id": ident, "account": {"id": "DE02120300000000202051"}, "booking_date": on.isoformat(),
            "amount": amount, "currency": "EUR", "remittance_info": "thanks", "statement_id": statement,
            "counterparty": {"name": "A.C.M.E.", "iban": payer_iban(ident)}}


def payer_iban(ident: str) -> str:
    """A payer account cash application has not seen (each accepted proposal learns its IBAN)."""
    return f"NL{zlib.crc32(ident.encode()):016d}"


def proposal(sessions, number: str, amount: str, *, due: date | None = None) -> Outcome:
    """An open invoice of ``amount`` and a bank credit of the same amount, decided: a proposal."""
    due = due or date.today() - timedelta(days=3)
    with sessions.begin() as session:
        upsert(session, "customer", CUSTOMER)
        upsert(session, "invoice", invoice(number, amount, due=due))
        upsert(session, "bank_transaction", bank_line(f"bt-{number}", amount, on=due + timedelta(days=2)))
        (outcome,) = CashApplication(session).run()
    assert outcome.status == "proposed", outcome
    return outcome

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


OTHER_CUSTOMER = {"name": "Globex Corporation", "email": "ap@globex.example"}


def twin_proposal(sessions, first: str, second: str, amount: str) -> Outcome:
    """Two open invoices of ``amount`` (``first`` ACME's, due 3 days before the payment; ``second``
    Globex's, due 20 days before) and a bank credit of that amount from a payer cash application
    does not know: a proposal whose best candidate is ``first`` and whose second is ``second``."""
    paid_on = date.today() - timedelta(days=1)
    with sessions.begin() as session:
        upsert(session, "customer", CUSTOMER)
        upsert(session, "customer", OTHER_CUSTOMER)
        upsert(session, "invoice", invoice(first, amount, due=paid_on - timedelta(days=3)))
        upsert(session, "invoice", invoice(second, amount, due=paid_on - timedelta(days=20),
                                           email=OTHER_CUSTOMER["email"]))
        upsert(session, "bank_transaction", bank_line(f"bt-{first}", amount, on=paid_on))
        (outcome,) = CashApplication(session).run()
    assert outcome.status == "proposed" and outcome.invoices == (first,), outcome
    return outcome

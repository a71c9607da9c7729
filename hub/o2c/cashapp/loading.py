"""What the matcher needs, read from the store: open invoices (with the payment reference the
ERP printed on them), customers with their bank accounts and known payer names, and the learned
IBANs."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.money import quantize
from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice, discount_of
from hub.o2c.cashapp.customers import CustomerDirectory
from hub.o2c.cashapp.normalize import compact_iban
from hub.o2c.queries import OPEN_INVOICE
from hub.store.o2c import Customer, Invoice
from hub.store.o2c_cash import CustomerIban

_STRIPE_PREFIXES = ("in_", "pi_", "ch_", "py_")


def load_book(session: Session) -> InvoiceBook:
    """Every open invoice (not credit notes) with money still due."""
    rows = session.scalars(select(Invoice).where(Invoice.kind == "invoice", Invoice.status.in_(OPEN_INVOICE)))
    return InvoiceBook(open_invoice(row) for row in rows if _due(row) > 0)


def open_invoice(row: Invoice) -> OpenInvoice:
    """The matcher's view of a stored invoice."""
    data = row.data or {}
    refs = tuple(str(r["id"]) for r in data.get("external_refs", []) if str(r["id"]).startswith(_STRIPE_PREFIXES))
    return OpenInvoice(
        id=row.id, number=row.number, currency=row.currency, open=quantize(_due(row), row.currency),
        total=quantize(row.total, row.currency),
        customer_id=row.customer_id, issue_date=row.issue_date, due_date=row.due_date,
        discount=discount_of(data.get("payment_term"), row.issue_date), stripe_ids=refs,
        payment_reference=data.get("payment_reference"),
    )


def _due(row: Invoice) -> Decimal:
    return row.amount_due if row.amount_due is not None else row.total


def load_directory(session: Session) -> CustomerDirectory:
    """Customer names, bank accounts and payer names, and the learned IBAN map."""
    names: dict[int, str | None] = {}
    accounts: dict[int, list[str]] = {}
    payers: dict[int, list[str]] = {}
    for cid, name, data in session.execute(select(Customer.id, Customer.name, Customer.data)):
        names[cid] = name
        data = data or {}
        if data.get("bank_accounts"):
            accounts[cid] = [compact_iban(a["iban"]) for a in data["bank_accounts"] if a.get("iban")]
        if data.get("payer_names"):
            payers[cid] = list(data["payer_names"])
    ibans = {k: v for k, v in session.execute(select(CustomerIban.iban, CustomerIban.customer_id))}
    return CustomerDirectory(names, ibans, accounts=accounts, payer_names=payers)

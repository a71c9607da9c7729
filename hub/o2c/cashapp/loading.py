"""What the matcher needs, read from the store: open invoices (with the payment reference the
ERP printed on them), customers with their bank accounts and known payer names, and the learned
IBANs."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.money import quantize
from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice, discount_of
from hub.o2c.cashapp.customers import CustomerDirectory
from hub.o2c.cashapp.normalize import compact_iban
from hub.o2c.queries import OPEN_INVOICE
from hub.store.o2c import Customer, Invoice
from hub.store.o2c_cash import CustomerIban

_STRIPE_PREFIXES = ("in_", "pi_", "ch_", "py_")


# What the matcher reads of an invoice: its columns, and three fields of its document read by
# the database (the lines and the rest of the document stay where they are).
_BOOK_COLUMNS = (Invoice.id, Invoice.number, Invoice.currency, Invoice.amount_due, Invoice.total,
                 Invoice.customer_id, Invoice.issue_date, Invoice.due_date,
                 Invoice.data["payment_term"].as_string(), Invoice.data["payment_reference"].as_string(),
                 Invoice.data["external_refs"])


def load_book(session: Session) -> InvoiceBook:
    """Every open invoice (not credit notes) with money still due."""
    rows = session.execute(select(*_BOOK_COLUMNS).where(Invoice.kind == "invoice", Invoice.status.in_(OPEN_INVOICE),
                                                         func.coalesce(Invoice.amount_due, Invoice.total) > 0))
    return InvoiceBook(_open_invoice(*row) for row in rows)


def open_invoice(row: Invoice) -> OpenInvoice:
    """The matcher's view of a stored invoice."""
    data = row.data or {}
    return _open_invoice(row.id, row.number, row.currency, row.amount_due, row.total, row.customer_id,
                         row.issue_date, row.due_date, data.get("payment_term"), data.get("payment_reference"),
                         data.get("external_refs"))


def _open_invoice(invoice_id: int, number: str, currency: str, amount_due: Decimal | None, total: Decimal,
                  customer_id: int | None, issue_date, due_date, payment_term: str | None,
                  payment_reference: str | None, external_refs: list | None) -> OpenInvoice:
    refs = tuple(str(r["id"]) for r in external_refs or () if str(r["id"]).startswith(_STRIPE_PREFIXES))
    return OpenInvoice(
        id=invoice_id, number=number, currency=currency,
        open=quantize(amount_due if amount_due is not None else total, currency),
        total=quantize(total, currency), customer_id=customer_id, issue_date=issue_date, due_date=due_date,
        discount=discount_of(payment_term, issue_date), stripe_ids=refs, payment_reference=payment_reference,
    )


def load_directory(session: Session) -> CustomerDirectory:
    """Customer names, bank accounts and payer names, and the learned IBAN map."""
    names: dict[int, str | None] = {}
    accounts: dict[int, list[str]] = {}
    payers: dict[int, list[str]] = {}
    for cid, name, bank_accounts, payer_names in session.execute(select(
            Customer.id, Customer.name, Customer.data["bank_accounts"], Customer.data["payer_names"])):
        names[cid] = name
        if bank_accounts:
            accounts[cid] = [compact_iban(a["iban"]) for a in bank_accounts if a.get("iban")]
        if payer_names:
            payers[cid] = list(payer_names)
    ibans = {k: v for k, v in session.execute(select(CustomerIban.iban, CustomerIban.customer_id))}
    return CustomerDirectory(names, ibans, accounts=accounts, payer_names=payers)

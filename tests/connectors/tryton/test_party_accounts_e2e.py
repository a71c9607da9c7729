"""A party's bank accounts in a real trytond (the bank module) reach the hub with its invoices:
the IBANs of its active accounts, with their bank's BIC, on the invoice's customer reference;
stored, each is known for the customer (customer_ibans), and a payment from one of them with no
usable text is applied to that customer's invoice. Inactive accounts and numbers that are not IBANs are left out."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import select
from stdnum import iban

from hub.connector import ActionContext
from hub.o2c.cashapp.service import apply_bank_transaction
from hub.o2c.records import store_record
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.o2c import Customer
from hub.store.o2c_cash import CustomerIban

pytestmark = pytest.mark.e2e

CTX = ActionContext(idempotency_key="test")


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/hub.db"
    upgrade(url)
    return make_sessionmaker(make_engine(url))


def new_iban() -> str:
    """A German IBAN nobody else in the test database holds (Tryton keeps active IBANs unique)."""
    body = "DE00" + "".join(random.choice("0123456789") for _ in range(18))
    return body[:2] + iban.calc_check_digits(body) + body[4:]


def invoiced(erp, tag: str, price: str) -> int:
    """A sale of one line invoiced and posted for a new customer; the Tryton id of its party."""
    order = {"number": f"SO-{tag}", "currency": "EUR", "payment_term": "Direct",
             "customer": {"name": f"Account Holder {tag}", "email": f"{tag.lower()}@accounts.example"},
             "lines": [{"sku": "ACC-ITEM", "description": "Item", "quantity": "1", "unit_price": price}]}
    erp.actions()["create_sale"](order, CTX)
    erp.actions()["post_invoice"]({"order_number": order["number"]}, CTX)
    return int(erp.parties.find(order["customer"], action="test"))


def add_account(erp, party_id: int, number: str, *, bic: str | None = None, kind: str = "iban",
                active: bool = True) -> None:
    bank = None
    if bic:
        holder, = erp.client.create("party.party", [{"name": f"Bank {bic}"}])
        bank, = erp.client.create("bank", [{"party": holder, "bic": bic}])
    account, = erp.client.create("bank.account", [{
        "bank": bank, "owners": [("add", [party_id])], "numbers": [("create", [{"type": kind, "number": number}])]}])
    if not active:  # a closed account's numbers are closed with it
        numbers = erp.client.search("bank.account.number", [("account", "=", account)])
        erp.client.write("bank.account", [account], {"active": False, "numbers": [("write", numbers, {"active": False})]})


def test_an_invoice_names_its_partys_active_ibans_with_their_bic(erp):
    tag = uuid.uuid4().hex[:6].upper()
    party = invoiced(erp, tag, "80.00")
    main, second, closed = new_iban(), new_iban(), new_iban()
    add_account(erp, party, iban.format(main), bic="COBADEFFXXX")
    add_account(erp, party, second)
    add_account(erp, party, closed, active=False)
    add_account(erp, party, "123-456-789", kind="other")

    invoice = erp.invoices.read({"order_number": f"SO-{tag}"}, action="test")
    assert invoice["customer"]["bank_accounts"] == [{"iban": main, "bic": "COBADEFFXXX"}, {"iban": second}]
    assert invoice["customer"]["external_refs"] == [{"system": "tryton", "id": str(party)}]


def test_a_payment_from_the_account_tryton_knows_is_applied_to_that_customer(erp, sessions):
    tag = uuid.uuid4().hex[:6].upper()
    party = invoiced(erp, tag, "80.00")
    account = new_iban()
    add_account(erp, party, account)
    invoice = erp.invoices.read({"order_number": f"SO-{tag}"}, action="test")

    with sessions.begin() as session:
        store_record(session, "invoice", invoice, known_customer=True)
    with sessions.begin() as session:
        customer = session.scalar(select(Customer).where(Customer.email == f"{tag.lower()}@accounts.example"))
        assert session.execute(select(CustomerIban.customer_id, CustomerIban.learned_from).where(
            CustomerIban.iban == account)).one() == (customer.id, f"tryton party {party}")
        outcome = apply_bank_transaction(session, {
            "id": f"bt-{tag}", "account": {"id": "DE02120300000000202051"}, "booking_date": "2026-12-07",
            "amount": "80.00", "currency": "EUR", "remittance_info": "Zahlung",
            "counterparty": {"name": "Payments Office", "iban": account}})
    assert (outcome.status, outcome.invoices) == ("auto_applied", (invoice["number"],)), outcome.reasons

"""Prepare a fresh trytond database for selling and invoicing (run in its own process).

    python tests/support/tryton_setup.py CONFIG_FILE DATABASE [CURRENCY] [YEAR]

The database must already hold the activated modules (``trytond-admin ... -u sale
account_invoice bank --activate-dependencies``). This adds, through proteus and the helpers
trytond ships for its own tests: a company, the minimal chart of accounts, a fiscal year
covering YEAR with its periods and invoice sequences, the "Direct" payment term, an
accounting product category ("Goods"), a cash payment method ("Cash") for the invoice
pay wizard, two customer taxes (VAT 19 % and 7 %; other rates are created by the
connector from these), and USD, JPY, KWD and GBP with a rate against the EUR (exchange differences on the
revenue and expense accounts). It runs outside the test process so trytond's pool never loads there.
"""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal


def prepare(config_file: str, database: str, currency: str, year: int) -> None:
    """Create everything a sale → invoice → payment needs, then commit."""
    from proteus import config as proteus_config

    proteus_config.set_trytond(database=database, config_file=config_file)
    company = _company(currency)
    accounts = _chart(company)
    _fiscal_year(company, year)
    _payment_term()
    _product_category(accounts)
    _payment_method(accounts)
    _taxes(company)
    _currencies()
    _exchange_accounts(accounts)


def _company(currency: str):
    from proteus import Model
    from trytond.modules.company.tests.tools import create_company, get_company

    party = Model.get("party.party")(name="O2C Test Company")
    party.save()
    create_company(party=party, currency=currency)
    return get_company()


def _chart(company) -> dict:
    from trytond.modules.account.tests.tools import create_chart, get_accounts

    create_chart(company)
    return get_accounts(company)


def _fiscal_year(company, year: int) -> None:
    from trytond.modules.account.tests.tools import create_fiscalyear
    from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences

    span = (datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    fiscal_year = set_fiscalyear_invoice_sequences(create_fiscalyear(company, today=span))
    fiscal_year.click("create_period")


def _payment_term() -> None:
    from trytond.modules.account_invoice.tests.tools import create_payment_term

    create_payment_term().save()


def _product_category(accounts: dict) -> None:
    from proteus import Model

    category = Model.get("product.category")(name="Goods", accounting=True)
    category.account_revenue = accounts["revenue"]
    category.account_expense = accounts["expense"]
    category.save()


def _payment_method(accounts: dict) -> None:
    from proteus import Model

    journal, = Model.get("account.journal").find([("type", "=", "cash")])
    method = Model.get("account.invoice.payment.method")(name="Cash", journal=journal)
    method.debit_account = accounts["cash"]
    method.credit_account = accounts["cash"]
    method.save()


def _taxes(company) -> None:
    from trytond.modules.account.tests.tools import create_tax

    for rate, name in (("0.19", "VAT 19%"), ("0.07", "VAT 7%")):
        tax = create_tax(Decimal(rate), company=company)
        tax.name = tax.description = name
        tax.save()


# code → (digits, rounding, units per EUR): the currencies foreign orders come in
CURRENCIES = {"USD": (2, "0.01", "1.08"), "JPY": (0, "1", "161"), "KWD": (3, "0.001", "0.332"),
              "GBP": (2, "0.01", "0.84")}


def _currencies() -> None:
    from proteus import Model

    Currency, Rate = Model.get("currency.currency"), Model.get("currency.currency.rate")
    euro, = Currency.find([("code", "=", "EUR")])  # its rate was set with the company
    for code, (digits, rounding, per_euro) in CURRENCIES.items():
        currency = Currency(name=code, code=code, symbol=code, digits=digits, rounding=Decimal(rounding))
        currency.save()
        Rate(date=datetime.date.min, rate=euro.rate * Decimal(per_euro), currency=currency).save()


def _exchange_accounts(accounts: dict) -> None:
    """Where exchange gains and losses of foreign-currency invoices go (income statement)."""
    from proteus import Model

    configuration = Model.get("account.configuration")(1)
    configuration.currency_exchange_credit_account = accounts["revenue"]
    configuration.currency_exchange_debit_account = accounts["expense"]
    configuration.save()


def main(argv: list[str]) -> int:
    """Command-line entry: CONFIG_FILE DATABASE [CURRENCY] [YEAR]."""
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    currency = argv[2] if len(argv) > 2 else "EUR"
    year = int(argv[3]) if len(argv) > 3 else datetime.date.today().year
    prepare(argv[0], argv[1], currency, year)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Bank statements: ISO 20022 camt.053 and SWIFT MT940 into canonical bank transactions.

    from connectors.bank import parse_statement, import_statement
    statement = parse_statement("statement.xml")       # Statement(account, currency, opening, closing, transactions)
    records = import_statement("statement.sta")        # canonical bank_transaction dicts

The ``bank`` connector kind watches a folder of statement files (the watched-folder trigger)::

    connections:
      bank:
        connector: bank
        folder: /srv/o2c/bank/inbox
        pattern: "*.xml"                    # glob; default takes every file
        archive_folder: /srv/o2c/bank/done  # optional: files are moved here once read

``poll("statements", cursor)`` yields one record per transaction of every file changed at or
after ``cursor.start``: ``id`` is the transaction's stable dedupe id, ``updated_at`` the file's
modification time, ``data`` the canonical record.
"""

from __future__ import annotations

from connectors.bank.connector import BankConnector
from connectors.bank.model import Account, Balance, BankTransaction, Counterparty, Statement
from connectors.bank.statement import detect_format, import_statement, parse_statement, parse_statements

__all__ = [
    "Account", "Balance", "BankConnector", "BankTransaction", "Counterparty", "Statement",
    "detect_format", "import_statement", "parse_statement", "parse_statements",
]

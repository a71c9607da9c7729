"""Reading bank statement files, whatever their format: the bank package's public API.

    parse_statement(path_or_bytes)  -> Statement         one statement (pages of one account merged)
    parse_statements(path_or_bytes) -> list[Statement]   every statement in the file
    import_statement(path)          -> list[dict]        canonical bank_transaction records

The format is detected from the content: an XML document whose namespace names camt.05x is
ISO 20022; a file with ``:20:`` and ``:61:``/``:62`` fields is SWIFT MT940.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from connectors.bank.camt053 import parse_camt053
from connectors.bank.model import Statement
from connectors.bank.swift_mt940 import parse_mt940
from hub.canonical import check
from hub.errors import FatalError

Source = str | os.PathLike | bytes


def read_source(source: Source) -> bytes:
    """The bytes of a statement given as a path or as the content itself."""
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise FatalError(f"cannot read statement {source}: {error.strerror}") from None


def detect_format(data: bytes) -> str:
    """``camt.053`` or ``mt940``; FatalError when it is neither."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf\x01 \r\n\t")
    if head.startswith(b"<") and b"camt.05" in head:
        return "camt.053"
    if b":20:" in data and (b":61:" in data or b":62" in data):
        return "mt940"
    raise FatalError("unknown statement format (expected camt.053 XML or MT940)")


def parse_statements(source: Source) -> list[Statement]:
    """Every statement in the file, in file order."""
    data = read_source(source)
    parser = parse_camt053 if detect_format(data) == "camt.053" else parse_mt940
    return parser(data)


def parse_statement(source: Source) -> Statement:
    """The file's statement; several statements of one account (pages, MT940 blocks) are merged.

    The merged statement opens with the first one's opening balance and closes with the last
    one's closing balance. A file covering several accounts raises FatalError: use
    :func:`parse_statements`.
    """
    statements = parse_statements(source)
    accounts = {s.account.id for s in statements}
    if len(accounts) > 1:
        raise FatalError(f"statement file covers {len(accounts)} accounts; read it with parse_statements")
    first, last = statements[0], statements[-1]
    if len(statements) == 1:
        return first
    merged = tuple(t for s in statements for t in s.transactions)
    return replace(first, closing=last.closing, transactions=merged)


def import_statement(path: Source) -> list[dict[str, Any]]:
    """The canonical ``bank_transaction`` records of every statement in a file, validated."""
    return [check("bank_transaction", record) for s in parse_statements(path) for record in s.canonical()]

"""ISO 20022 camt.053 (bank-to-customer statement) → :class:`Statement`; pure, no I/O.

Read with the standard library's ElementTree, namespace-agnostic, so the versions in use
(.001.02, .001.04, .001.08 and later) share one reader. A DOCTYPE is refused: statements never
need one, and refusing it rules out entity tricks.

One entry (``Ntry``) becomes one transaction, unless it is a batch whose transaction details
(``TxDtls``) each carry their own amount: then each detail becomes a transaction, which is what
cash application needs (one payer, one reference each). Their amounts add up to the entry.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from connectors.bank.model import (
    Account, Balance, BankTransaction, Counterparty, Statement, clean, creditor_reference_in, is_iban, money,
)
from hub.errors import FatalError

Element = ET.Element
OPENING_CODES = ("OPBD", "PRCD")  # opening booked, else previous closing booked
CLOSING_CODES = ("CLBD",)
STATUS = {"BOOK": "booked", "PDNG": "pending", "INFO": "info"}
STATEMENT_TAGS = ("Stmt", "Rpt", "Ntfctn")  # camt.053, and the look-alike .052/.054


def parse_camt053(data: bytes) -> list[Statement]:
    """Every statement of a camt.053 document."""
    root = _root(data)
    version = _version(root)
    statements = [st for tag in STATEMENT_TAGS for st in root.iter(tag)]
    if not statements:
        raise FatalError("no Stmt element: not a camt.053 statement")
    return [_statement(st, version).with_dedupe_ids() for st in statements]


def _root(data: bytes) -> Element:
    if b"<!DOCTYPE" in data[:4096].upper():
        raise FatalError("camt.053 file has a DOCTYPE; refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise FatalError(f"camt.053 file is not well-formed XML: {error}") from None
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", namespace)
    return root


def _version(root: Element) -> str:
    """``camt.053.001.02`` from the namespace (``camt.053`` when there is none)."""
    namespace = root.get("xmlns", "")
    return namespace.rpartition(":")[2] if "camt." in namespace else "camt.053"


def _statement(st: Element, version: str) -> Statement:
    balances = st.findall("Bal")
    currency = st.findtext("Acct/Ccy") or _first_currency(st)
    if not currency:
        raise FatalError(f"statement {st.findtext('Id')}: no currency")
    entries = [txn for entry in st.findall("Ntry") for txn in _entry(entry, currency)]
    return Statement(
        account=_account(st.find("Acct")), currency=currency,
        opening=_balance(balances, OPENING_CODES, currency), closing=_balance(balances, CLOSING_CODES, currency),
        transactions=tuple(entries), statement_id=st.findtext("Id"), source_format=version,
    )


def _first_currency(st: Element) -> str | None:
    amount = st.find("Bal/Amt")
    if amount is None:
        amount = st.find("Ntry/Amt")
    return amount.get("Ccy") if amount is not None else None


def _account(acct: Element | None) -> Account:
    if acct is None:
        raise FatalError("statement has no Acct element")
    identification = acct.findtext("Id/IBAN") or acct.findtext("Id/Othr/Id") or ""
    bic = acct.findtext("Svcr/FinInstnId/BIC") or acct.findtext("Svcr/FinInstnId/BICFI")
    return Account.of(identification, bic=bic, owner=clean(acct.findtext("Ownr/Nm")))


def _balance(balances: list[Element], codes: tuple[str, ...], currency: str) -> Balance | None:
    by_code = {b.findtext("Tp/CdOrPrtry/Cd"): b for b in reversed(balances)}  # first one of a code wins
    found = next((by_code[c] for c in codes if c in by_code), None)
    if found is None:
        return None
    amount = money(found.findtext("Amt", "0"), currency, debit=found.findtext("CdtDbtInd") == "DBIT")
    return Balance(amount=amount, currency=currency, on=_date(found.find("Dt")))


def _entry(entry: Element, currency: str) -> list[BankTransaction]:
    details = entry.findall("NtryDtls/TxDtls")
    debit = entry.findtext("CdtDbtInd") == "DBIT"
    split = len(details) > 1 and all(_detail_amount(d) is not None for d in details)
    if split:
        return [_transaction(entry, d, _signed(_detail_amount(d), d, currency, debit), currency) for d in details]
    amount = money(entry.findtext("Amt", "0"), currency, debit=debit)
    return [_transaction(entry, details[0] if details else None, amount, currency)]


def _detail_amount(detail: Element) -> str | None:
    return detail.findtext("Amt") or detail.findtext("AmtDtls/TxAmt/Amt")


def _signed(text: str, detail: Element, currency: str, entry_debit: bool) -> Decimal:
    indicator = detail.findtext("CdtDbtInd")
    return money(text, currency, debit=indicator == "DBIT" if indicator else entry_debit)


def _transaction(entry: Element, detail: Element | None, amount: Decimal, currency: str) -> BankTransaction:
    d = detail if detail is not None else ET.Element("TxDtls")
    return BankTransaction(
        booking_date=_date(entry.find("BookgDt")) or _date(entry.find("ValDt")),
        value_date=_date(entry.find("ValDt")), amount=amount, currency=currency,
        counterparty=_counterparty(d, incoming=amount >= 0),
        remittance_info=clean(" ".join(t or "" for t in (e.text for e in d.findall("RmtInf/Ustrd")))),
        creditor_reference=_creditor_reference(d),
        end_to_end_id=_end_to_end_id(d),
        bank_reference=d.findtext("Refs/AcctSvcrRef") or entry.findtext("AcctSvcrRef"),
        entry_reference=entry.findtext("NtryRef"),
        transaction_code=_code(d.find("BkTxCd")) or _code(entry.find("BkTxCd")),
        status=STATUS.get(entry.findtext("Sts/Cd") or entry.findtext("Sts") or "BOOK", "booked"),
        additional_info=clean(d.findtext("AddtlTxInf") or entry.findtext("AddtlNtryInf")),
    )


def _counterparty(detail: Element, *, incoming: bool) -> Counterparty:
    """The debtor of money coming in, the creditor of money going out."""
    role = "Dbtr" if incoming else "Cdtr"
    party = detail.find(f"RltdPties/{role}")
    name = None if party is None else (party.findtext("Nm") or party.findtext("Pty/Nm"))
    iban = detail.findtext(f"RltdPties/{role}Acct/Id/IBAN")
    other = detail.findtext(f"RltdPties/{role}Acct/Id/Othr/Id")
    agent = f"RltdAgts/{role}Agt/FinInstnId"
    bic = detail.findtext(f"{agent}/BIC") or detail.findtext(f"{agent}/BICFI")
    return Counterparty(name=clean(name), iban=iban if is_iban(iban) else None, account=other, bic=bic)


def _creditor_reference(detail: Element) -> str | None:
    structured = detail.findtext("RmtInf/Strd/CdtrRefInf/Ref")
    if structured:
        return structured.strip()
    return creditor_reference_in(" ".join(e.text or "" for e in detail.findall("RmtInf/Ustrd")))


def _end_to_end_id(detail: Element) -> str | None:
    value = detail.findtext("Refs/EndToEndId")
    return None if not value or value.strip().upper() == "NOTPROVIDED" else value.strip()


def _code(code: Element | None) -> str | None:
    """``DOMAIN/FAMILY/SUBFAMILY`` of an ISO bank transaction code, else the proprietary code."""
    if code is None:
        return None
    iso = [code.findtext("Domn/Cd"), code.findtext("Domn/Fmly/Cd"), code.findtext("Domn/Fmly/SubFmlyCd")]
    if all(iso):
        return "/".join(iso)
    return code.findtext("Prtry/Cd")


def _date(holder: Element | None) -> date | None:
    """The date of a ``<X><Dt>`` or ``<X><DtTm>`` element (the date as written)."""
    if holder is None:
        return None
    text = holder.findtext("Dt") or holder.findtext("DtTm")
    return date.fromisoformat(text.strip()[:10]) if text else None

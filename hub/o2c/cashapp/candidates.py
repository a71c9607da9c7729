"""A proposal's candidate sets as plain data: written when the matcher decides, read by the
service (accept candidate N), the CLI, the API and the console.

One candidate set, best first (``rank`` 1)::

    rank, score, fit, customer_id
    invoices       number, customer_id, open (before this payment), applied, discount,
                   write_off, left_open (what stays open on it)
    lines          the applications: invoice, kind (applied, discount, write_off), amount, reason
    total_open     the set's open amount
    total_applied  what the payment pays of it
    unapplied      the payment less total_applied: kept as customer credit when accepted
    short          total_open less total_applied: taken as discount, written off, or left open
    reasons        signal, points, text (see hub.o2c.cashapp.scoring); the points add up to score

Amounts are Decimals at the currency's minor unit. Proposals decided before candidate sets were
kept have one set, read back from their invoices, allocation, score and reasons as candidate 1:
its reasons are the proposal's words (signal and points null), and an invoice's open amount is
known only when the payment settled it (the fits exact, discount, short and over).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.money import quantize
from hub.o2c.cashapp.allocation import Allocation
from hub.o2c.cashapp.matcher import Candidate
from hub.store.o2c_cash import MatchProposal

_SETTLED_IN_FULL = ("exact", "discount", "short", "over")
_NOTHING = {"applied": Decimal(0), "discount": Decimal(0), "write_off": Decimal(0)}


def candidate_record(rank: int, candidate: Candidate, amount: Decimal, currency: str) -> dict[str, Any]:
    """Candidate ``candidate`` of a payment of ``amount`` as stored, ranked ``rank``."""
    allocation = candidate.allocation
    paid = _paid(allocation.lines)
    invoices = [_invoice(i.number, i.customer_id, i.open, paid.get(i.number, _NOTHING), currency)
                for i in candidate.invoices]
    return _totals({
        "rank": rank, "score": candidate.score, "fit": allocation.fit, "customer_id": candidate.customer_id,
        "invoices": invoices, "lines": lines_of(allocation),
        "reasons": [{"signal": r.signal, "points": r.points, "text": r.text} for r in candidate.reasons],
    }, amount, currency)


def lines_of(allocation: Allocation) -> list[dict[str, Any]]:
    """An allocation's applications as plain data."""
    return [{"invoice": line.number, "kind": line.kind, "amount": line.amount, "reason": line.reason}
            for line in allocation.lines]


def stored_candidates(proposal: MatchProposal) -> list[dict[str, Any]]:
    """The proposal's candidate sets, best first, with Decimal amounts."""
    if proposal.candidates is not None:
        return [_read(c, proposal.currency) for c in proposal.candidates]
    if not proposal.invoices:
        return []
    return [_legacy(proposal)]


def _paid(lines) -> dict[str, dict[str, Decimal]]:
    """What the lines take of each invoice, by number and kind (applied, discount, write_off)."""
    paid: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        kinds = paid.setdefault(line.number, dict(_NOTHING))
        kinds[line.kind] += line.amount
    return paid


def _invoice(number: str, customer_id: int | None, open_amount: Decimal | None, paid: dict[str, Decimal],
             currency: str) -> dict[str, Any]:
    left = None if open_amount is None else open_amount - sum(paid.values())
    return {"number": number, "customer_id": customer_id, "open": _money(open_amount, currency),
            **{kind: _money(value, currency) for kind, value in paid.items()}, "left_open": _money(left, currency)}


def _totals(record: dict[str, Any], amount: Decimal, currency: str) -> dict[str, Any]:
    opens = [i["open"] for i in record["invoices"]]
    total_open = None if None in opens else sum(opens, Decimal(0))
    applied = sum((i["applied"] for i in record["invoices"]), Decimal(0))
    return {**record, "total_open": _money(total_open, currency), "total_applied": _money(applied, currency),
            "unapplied": _money(amount - applied, currency),
            "short": _money(None if total_open is None else total_open - applied, currency)}


def _read(stored: dict[str, Any], currency: str) -> dict[str, Any]:
    invoices = [{**i, **{k: _money(i.get(k), currency) for k in ("open", "applied", "discount", "write_off",
                                                                   "left_open")}} for i in stored["invoices"]]
    lines = [{**line, "amount": _money(line["amount"], currency)} for line in stored["lines"]]
    money = {k: _money(stored.get(k), currency) for k in ("total_open", "total_applied", "unapplied", "short")}
    return {**stored, "invoices": invoices, "lines": lines, **money}


def _legacy(proposal: MatchProposal) -> dict[str, Any]:
    """The one set a proposal kept before candidate sets were stored."""
    allocation = proposal.allocation or {}
    fit = allocation.get("fit")
    lines = [{**line, "amount": _money(line["amount"], proposal.currency)} for line in allocation.get("lines", [])]
    invoices = []
    for number in proposal.invoices:
        paid = {kind: sum((line["amount"] for line in lines if line["invoice"] == number and line["kind"] == kind),
                          Decimal(0)) for kind in ("applied", "discount", "write_off")}
        settled = sum(paid.values()) if fit in _SETTLED_IN_FULL else None
        invoices.append({"number": number, "customer_id": None, "open": _money(settled, proposal.currency),
                         **{kind: _money(value, proposal.currency) for kind, value in paid.items()},
                         "left_open": None if settled is None else _money(0, proposal.currency)})
    record = {"rank": 1, "score": proposal.score, "fit": fit, "customer_id": proposal.customer_id,
              "invoices": invoices, "lines": lines,
              "reasons": [{"signal": None, "points": None, "text": text} for text in proposal.reasons]}
    return _totals(record, proposal.amount, proposal.currency)


def _money(value: Any, currency: str) -> Decimal | None:
    return None if value is None else quantize(value, currency)

"""References in remittance text: our invoice numbers, RF creditor references, Stripe ids.

Invoice numbers are compared by :func:`number_key`: letters in capitals, every digit group
without its leading zeros, so ``INV-2024-00042``, ``inv 2024 42`` and ``inv/2024/042`` share the
key ``INV|2024|42``. How digits group is learned from the open invoices (:class:`NumberFormats`),
which splits a run-together ``INV202400042`` into ``2024`` and ``00042``.

RF creditor references (ISO 11649) are checked mod 97; :func:`rf_reference` makes one for an
invoice number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"[A-Za-z]+|\d+")
_RF = re.compile(r"RF\s?\d{2}(?:[ ]?[0-9A-Z]){1,21}")
_RF_START = re.compile(r"(?=RF\s?\d{2})")
_STRIPE_ID = re.compile(r"\b(?:pi|ch|in|py)_[A-Za-z0-9]{8,}\b")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
_DIGIT = re.compile(r"\d")
_GAP = re.compile(r"^[\s\-/._#:,]{0,3}$")


@dataclass(frozen=True, slots=True)
class Shape:
    """The shape of an invoice number: its letter prefix and the widths of its digit groups."""

    prefix: str
    widths: tuple[int, ...]


def number_key(number: str) -> str:
    """The comparison key of an invoice number (letters upper, digits without leading zeros)."""
    if number.isascii():
        # one join and one substitution instead of a step per token: the index keys a million numbers
        return _LEADING_ZEROS.sub("", "|".join(_TOKEN.findall(number.upper())))
    return "|".join(t.upper() if t.isalpha() else str(int(t)) for t in _TOKEN.findall(number))


def shape_of(number: str) -> Shape | None:
    """The shape of a number made of a letter prefix and digit groups; None for other numbers."""
    tokens = _TOKEN.findall(number)
    letters = [t for t in tokens if t.isalpha()]
    digits = tokens[len(letters):]
    if not digits or any(t.isalpha() for t in digits):
        return None
    return Shape("".join(letters).upper(), tuple(len(t) for t in digits))


class NumberFormats:
    """The invoice-number shapes in use, learned from a sample of invoice numbers."""

    def __init__(self, numbers: Iterable[str], *, min_share: float = 0.01):
        counts = Counter(s for s in map(shape_of, numbers) if s is not None)
        total = sum(counts.values()) or 1
        self.shapes = [s for s, n in counts.most_common(8) if n / total >= min_share]
        self.prefixes = {s.prefix for s in self.shapes if s.prefix}

    def keys_in(self, text: str) -> list[tuple[str, bool]]:
        """The invoice keys ``text`` may mention, each with True when its prefix was written."""
        if not _DIGIT.search(text):
            return []  # every key has digits: "Zahlung danke" names no invoice
        tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        found: dict[str, bool] = {}
        for i, (token, _, _) in enumerate(tokens):
            if token.isalpha() and token.upper() not in self.prefixes:
                continue  # a word that is none of our prefixes starts no reference
            for key, prefixed in self._keys_at(text, tokens, i):
                found[key] = found.get(key, False) or prefixed
        return list(found.items())

    def _keys_at(self, text: str, tokens: list, i: int) -> Iterable[tuple[str, bool]]:
        token = tokens[i][0]
        prefixed = token.isalpha() and token.upper() in self.prefixes
        if prefixed:
            digits = _digit_run(text, tokens, i + 1)
        elif token.isdigit():
            digits = _digit_run(text, tokens, i)
        else:
            return
        for shape in self.shapes:
            if prefixed and shape.prefix != token.upper():
                continue
            groups = _first_fit(digits, shape.widths, strict=not prefixed)
            if groups:
                yield "|".join([shape.prefix, *groups] if shape.prefix else groups), prefixed


def _digit_run(text: str, tokens: list, start: int) -> list[str]:
    """The digit tokens from ``start`` on, joined only by short separators."""
    run: list[str] = []
    end = tokens[start - 1][2] if start else 0
    for token, begin, stop in tokens[start:start + 4]:
        if not token.isdigit() or (run or start) and not _GAP.match(text[end:begin]):
            break
        run.append(token)
        end = stop
    return run


def _first_fit(digits: list[str], widths: tuple[int, ...], *, strict: bool) -> list[str] | None:
    """The longest leading part of a digit run that lays out as ``widths`` (a run may go on into
    the next reference, as in ``INV2025008525 2025/000692``)."""
    for count in range(min(len(digits), len(widths)), 0, -1):
        groups = _split(digits[:count], widths, strict=strict)
        if groups:
            return groups
    return None


def _split(digits: list[str], widths: tuple[int, ...], *, strict: bool) -> list[str] | None:
    """Digit groups as ``widths`` lays them out, without leading zeros; None when they do not fit.

    ``strict`` (no prefix written) accepts only the exact layout: a bare number must look just
    like ours to count.
    """
    if not digits:
        return None
    if len(digits) == len(widths):
        if strict and any(len(d) != w for d, w in zip(digits, widths)):
            return None
        return [str(int(d)) for d in digits]
    if len(digits) > len(widths):
        return None
    joined = "".join(digits)
    head = sum(widths[:-1])
    if len(joined) <= head or strict and len(joined) != sum(widths):
        return None
    groups, at = [], 0
    for width in widths[:-1]:
        groups.append(joined[at:at + width])
        at += width
    groups.append(joined[at:])
    return [str(int(g)) for g in groups]


# --- RF creditor references (ISO 11649) ----------------------------------------------------------


def _mod97(text: str) -> int:
    """ISO 7064 mod 97-10 of an alphanumeric string (A=10 ... Z=35)."""
    return int("".join(str(int(c, 36)) for c in text)) % 97


def rf_valid(reference: str) -> bool:
    """True for a well-formed RF reference with correct check digits (spaces allowed)."""
    ref = "".join(reference.split()).upper()
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", ref):
        return False
    return _mod97(ref[4:] + ref[:4]) == 1


def rf_reference(number: str) -> str:
    """The RF creditor reference of an invoice number (its letters and digits, at most 21)."""
    payload = "".join(ch for ch in number.upper() if ch.isalnum())[-21:]
    check = 98 - _mod97(payload + "RF00")
    return f"RF{check:02d}{payload}"


def rf_references_in(text: str) -> list[str]:
    """The valid RF references in ``text``, compacted (spaced groups of four are read too)."""
    found, upper = [], text.upper()
    for start in _RF_START.finditer(upper):
        match = _RF.match(upper, start.start())
        compact = "".join(match.group().split())
        for end in range(len(compact), 4, -1):
            if rf_valid(compact[:end]):
                found.append(compact[:end])
                break
    return found


def stripe_ids_in(text: str) -> list[str]:
    """Stripe payment intent, charge, invoice and payment ids in ``text``."""
    return _STRIPE_ID.findall(text)

"""Invoice references as people write them in remittance text, and structured references.

Invoice numbers are compared by :func:`number_key`: letters in capitals, every digit group
without its leading zeros, so ``INV-2024-00042``, ``inv 2024 42`` and ``inv/2024/042`` share the
key ``INV|2024|42``. How our numbers are laid out is learned from the open invoices
(:class:`NumberFormats`: the prefix, the width of each digit group, and which leading groups
occur, such as the years 2023 to 2025), and a number is read from the text in that layout:

    our prefix        INV-2024-42, inv 2024 000042, INV202400042, Inv. no. 2024/42   (kind "number")
    an invoice word   Rechnung 2024-42, Rg.-Nr. 2024/000042, Facture n° 2024-42, Fra. 2024.42,
                      Fattura nr. 2024/42, Factuur 2024000042, Faktura nr 2024-42, Bill #2024-42
                      (words of :mod:`hub.o2c.cashapp.spellings`; kind "keyword")
    a bare number     2024-000042, 2024000042: only exactly our layout             (kind "bare")
    split over lines  INV-2024-000 042 (a statement's lines are joined with a space)
    lists             Rechnungen 2024-42, 43 und 44; INV-2024-000042/000043; INV 2024-42 + 2024-43

A leading group must be one the open invoices have (a year a little before the oldest, or up to
a year after the newest, counts too), so dates (``15.03.2024``, ``2024-03-15``), amounts,
postal codes, customer or order numbers (``Kd-Nr. 2024000042``: a number after a customer,
order, delivery-note, account or tax word is never read) and IBANs yield nothing.

Structured references (RF, an invoice's own payment reference, Stripe ids) are read by
:mod:`hub.o2c.cashapp.structured`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hub.o2c.cashapp.spellings import FOREIGN, INVOICE, LIST, OTHER, word_class
from hub.o2c.cashapp.structured import IBAN_LIKE, is_iban

_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
_DIGIT = re.compile(r"\d")
#: what may stand between the parts of one number (a statement joins its lines with a space)
_IN_NUMBER = re.compile(r"^(?:[ ]?[-/._][ ]?|[ ]{1,2})$")
#: what may stand between an invoice word and its number (Re.-Nr.: 2024/42, Invoice #42, n° 42)
_AFTER_WORD = re.compile(r"^[\s.:#°º№()+_\-/]{0,5}$")
#: what may stand between the items of a list (2024-42, 43 + 44 & 45)
_IN_LIST = re.compile(r"^\s*[,;+&/]?\s*$")
_BARE_DIGITS = 6
_LIST_MARKS = ("", "/", "+", "&")
_YEARS = range(1990, 2100)


@dataclass(frozen=True, slots=True)
class Shape:
    """The layout of an invoice number: its letter prefix, the widths of its digit groups, and
    which values each leading group may take (None: any)."""

    prefix: str
    widths: tuple[int, ...]
    heads: tuple[frozenset[int] | range | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Found:
    """An invoice number read from a text: its key, how it was written and the words read."""

    key: str
    kind: str  # number (our prefix), keyword (an invoice word before it), bare
    text: str


def number_key(number: str) -> str:
    """The comparison key of an invoice number (letters upper, digits without leading zeros)."""
    if number.isascii():
        # one join and one substitution instead of a step per token: the index keys a million numbers
        return _LEADING_ZEROS.sub("", "|".join(_TOKEN.findall(number.upper())))
    return "|".join(t.upper() if t.isalpha() else str(int(t)) for t in _TOKEN.findall(number))


def shape_of(number: str) -> tuple[str, tuple[str, ...]] | None:
    """The prefix and digit groups of a number made of a letter prefix and digit groups."""
    tokens = _TOKEN.findall(number)
    letters = [t for t in tokens if not t.isdigit()]
    digits = tokens[len(letters):]
    if not digits or any(not t.isdigit() for t in digits):
        return None
    return "".join(letters).upper(), tuple(digits)


class NumberFormats:
    """The invoice-number layouts in use, learned from a sample of invoice numbers, and the
    reading of invoice numbers in remittance text."""

    def __init__(self, numbers: Iterable[str], *, min_share: float = 0.01):
        seen: dict[tuple[str, tuple[int, ...]], list[tuple[str, ...]]] = defaultdict(list)
        for parsed in map(shape_of, numbers):
            if parsed is not None:
                prefix, groups = parsed
                seen[(prefix, tuple(len(g) for g in groups))].append(groups)
        counts = Counter({layout: len(groups) for layout, groups in seen.items()})
        total = sum(counts.values()) or 1
        self.shapes = [Shape(prefix, widths, _heads(seen[(prefix, widths)]))
                       for (prefix, widths), n in counts.most_common(8) if n / total >= min_share]
        self.prefixes = {s.prefix for s in self.shapes if s.prefix}
        #: a number written alone counts only when it has our prefix's layout or 6 digits or more
        #: (a 4- or 5-digit number alone is as likely a postal code, a year or a quantity)
        self.bare_shapes = [s for s in self.shapes if sum(s.widths) >= _BARE_DIGITS]
        self._words: dict[str, str] = {}

    def keys_in(self, text: str) -> list[tuple[str, bool]]:
        """The invoice keys ``text`` may mention, each with True when a prefix or an invoice word
        was written before it."""
        found: dict[str, bool] = {}
        for f in self.find(text):
            found[f.key] = found.get(f.key, False) or f.kind != "bare"
        return list(found.items())

    def find(self, text: str) -> list[Found]:
        """Every invoice number ``text`` mentions, in the order written (each key once)."""
        if not self.shapes or not _DIGIT.search(text):
            return []  # every key has digits: "Zahlung danke" names no invoice
        if IBAN_LIKE.search(text):  # an IBAN's digits are no invoice number
            text = IBAN_LIKE.sub(lambda m: "#" * len(m.group()) if is_iban(m.group()) else m.group(), text)
        reader = _Reader(self, text, [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)])
        found: dict[str, Found] = {}
        for f in reader.read():
            if f.key not in found or found[f.key].kind == "bare":
                found[f.key] = f
        return list(found.values())

    def word(self, token: str) -> str:
        """The class of a word: our prefix (returned in capitals), or a class of spellings."""
        known = self._words.get(token)
        if known is None:
            if len(self._words) > 50_000:
                self._words.clear()
            upper = token.upper()
            known = self._words[token] = upper if upper in self.prefixes else word_class(token)
        return known


class _Reader:
    """One pass over the tokens of a text: words set the context, digit runs are read in it."""

    def __init__(self, formats: NumberFormats, text: str, tokens: list[tuple[str, int, int]]):
        self.formats, self.text, self.tokens = formats, text, tokens
        self.intro: str | None = None  # our prefix, INVOICE or FOREIGN, while the words allow
        self.intro_at = 0  # where the words introducing the number start
        self.last: tuple[Shape, tuple[str, ...], str] | None = None  # for lists: shape, groups, kind

    def read(self) -> Iterator[Found]:
        i, tokens = 0, self.tokens
        while i < len(tokens):
            token, start, _ = tokens[i]
            gap = self.text[tokens[i - 1][2]:start] if i else ""
            if not token.isdigit():
                self._word(token, start, gap)
                i += 1
                continue
            if self.intro is not None and not _AFTER_WORD.match(gap):
                self.intro = None
            run = self._run(i)
            if self.intro == FOREIGN:
                used = len(run)
            else:
                found, used = self._number(run, gap)
                yield from found
            self.intro = None
            i += used

    def _word(self, token: str, start: int, gap: str) -> None:
        kind = self.formats.word(token)
        near = _AFTER_WORD.match(gap) is not None
        if kind == OTHER:
            self.intro, self.last = None, None
        elif kind == LIST:
            self.intro = None
        elif kind in (INVOICE, FOREIGN) or kind in self.formats.prefixes:
            if not (near and self.intro == INVOICE and kind in self.formats.prefixes):
                self.intro_at = start  # "Rechnung INV-..." reads from "Rechnung"
            self.intro, self.last = kind, None
        elif self.intro is None:  # a filler word alone (No., Nr., Ref, Nº) introduces a number too
            self.intro, self.intro_at, self.last = INVOICE, start, None
        elif not near:  # ... and keeps the context of the words before it when close by
            self.intro = None

    def _run(self, i: int) -> list[tuple[str, int, int]]:
        """The digit tokens from ``i`` on that may be parts of one number (at most 6)."""
        run = [self.tokens[i]]
        for token in self.tokens[i + 1:i + 6]:
            if not token[0].isdigit() or not _IN_NUMBER.match(self.text[run[-1][2]:token[1]]):
                break
            run.append(token)
        return run

    def _number(self, run: list[tuple[str, int, int]], gap: str) -> tuple[list[Found], int]:
        """The number read from the start of ``run`` and how many of its tokens it used."""
        digits = [t for t, _, _ in run]
        gaps = [self.text[a[2]:b[1]] for a, b in zip(run, run[1:])]
        listed = self.last is not None and self.intro is None and _IN_LIST.match(gap) is not None
        if self.intro is None and not listed:
            read = _first(digits, gaps, self.formats.bare_shapes, strict=True)
            if read is None:
                return [], _skip(run, gaps)
            return [self._found(read, "bare", run)], read[2]
        if listed:
            kind, shapes = self.last[2], [self.last[0]]
        elif self.intro in self.formats.prefixes:
            kind, shapes = "number", [s for s in self.formats.shapes if s.prefix == self.intro]
        else:
            kind, shapes = "keyword", self.formats.shapes
        read = _first(digits, gaps, shapes, strict=False)
        if read is None and listed:
            read = self._continued(digits, gaps, gap)
        if read is None:
            return [], _skip(run, gaps)
        self.last = (read[0], read[1], kind)
        return [self._found(read, kind, run)], read[2]

    def _continued(self, digits: list[str], gaps: list[str], gap: str) -> tuple[Shape, tuple[str, ...], int] | None:
        """The next item of a list (``2024-42, 43``): one group that takes the place of the last."""
        shape, groups, _ = self.last
        if len(digits) > 1 and gaps[0].strip() not in _LIST_MARKS:
            return None
        if len(digits[0]) < min(2, len(groups[-1])) or "/" in gap and len(digits[0]) < 2:
            return None
        last = _group(digits[0], shape.widths[-1], strict=False)
        return None if last is None else (shape, (*groups[:-1], last), 1)

    def _found(self, read: tuple[Shape, tuple[str, ...], int], kind: str, run: list) -> Found:
        shape, groups, used = read
        start = self.intro_at if kind != "bare" and self.intro is not None else run[0][1]
        text = self.text[start:run[used - 1][2]]
        return Found(key="|".join([shape.prefix, *groups] if shape.prefix else groups), kind=kind, text=text)


def _first(digits: list[str], gaps: list[str], shapes: list[Shape], *,
           strict: bool) -> tuple[Shape, tuple[str, ...], int] | None:
    """The first shape the run reads in: (shape, groups, tokens used)."""
    for shape in shapes:
        read = read_groups(digits, gaps, shape, strict=strict)
        if read is not None:
            return shape, read[0], read[1]
    return None


def read_groups(digits: list[str], gaps: list[str], shape: Shape, *,
                strict: bool) -> tuple[tuple[str, ...], int] | None:
    """The digit groups (without leading zeros) of the number at the start of ``digits`` laid out
    as ``shape``, and how many of the tokens it used; None when they do not read as one.
    ``gaps`` are the texts between the tokens.

    ``strict`` (nothing written before the number) accepts only exactly our layout, as printed,
    run together or split over two lines.
    """
    widths, n = shape.widths, len(shape.widths)
    if len(digits) >= n and all(len(d) == w for d, w in zip(digits, widths)):  # as printed
        return _read(digits[:n], shape, strict=strict, used=n)
    if len(digits[0]) == sum(widths) and n > 1:  # run together: INV202400042
        return _read(_cut(digits[0], widths), shape, strict=strict, used=1)
    split = _split_over_lines(digits, gaps, shape)  # INV-2024-0000 42
    if split is not None:
        return _read(split, shape, strict=strict, used=n + 1)
    if strict:
        return None
    if len(digits) >= n and (len(digits) == n or _ends_at_space(gaps, n) or _head_follows(digits[n], shape)):
        return _read(digits[:n], shape, strict=False, used=n)  # leading zeros dropped or added
    if len(digits) == 1 and n > 1 and sum(widths[:-1]) < len(digits[0]) < sum(widths):  # INV202442
        return _read(_cut(digits[0], widths), shape, strict=False, used=1)
    return None


def _read(part: list[str], shape: Shape, *, strict: bool, used: int) -> tuple[tuple[str, ...], int] | None:
    groups = _groups(part, shape, strict=strict)
    return None if groups is None else (groups, used)


def _split_over_lines(digits: list[str], gaps: list[str], shape: Shape) -> list[str] | None:
    """The groups of a number a statement's line end cut in two (a space inside one group), when
    they are exactly our layout and nothing but another number follows them."""
    widths, n = shape.widths, len(shape.widths)
    for k, gap in enumerate(gaps[:n]):
        if not gap.isspace():
            continue
        merged = [*digits[:k], digits[k] + digits[k + 1], *digits[k + 2:]]
        if len(merged) >= n and all(len(d) == w for d, w in zip(merged, widths)) and (
                len(merged) == n or _head_follows(merged[n], shape)):
            return merged[:n]
    return None


def _head_follows(digits: str, shape: Shape) -> bool:
    """True when ``digits`` can start another number of ``shape``: its first group, or all of it
    run together (INV 2024 2020 2024/018637, INV 2023 15504 2023010470)."""
    head, width = (shape.heads[0] if shape.heads else None), shape.widths[0]
    if head is None or len(digits) not in (width, sum(shape.widths)):
        return False
    return int(digits[:width]) in head


def _ends_at_space(gaps: list[str], n: int) -> bool:
    """True when the first ``n`` tokens are joined by punctuation and a space follows them
    (``2024-42 2024-43``: two numbers; ``2024-03-15``: one thing)."""
    return gaps[n - 1].isspace() and not any(g.isspace() for g in gaps[:n - 1])


def _cut(joined: str, widths: tuple[int, ...]) -> list[str]:
    groups, at = [], 0
    for width in widths[:-1]:
        groups.append(joined[at:at + width])
        at += width
    return [*groups, joined[at:]]


def _groups(part: list[str], shape: Shape, *, strict: bool) -> tuple[str, ...] | None:
    groups = []
    for k, (digits, width) in enumerate(zip(part, shape.widths)):
        value = _group(digits, width, strict=strict)
        if value is None:
            return None
        allowed = shape.heads[k] if k < len(shape.heads) else None
        if allowed is not None and int(value) not in allowed:
            return None
        groups.append(value)
    return tuple(groups)


def _group(digits: str, width: int, *, strict: bool) -> str | None:
    """One group without leading zeros; None when it cannot be a group of ``width`` digits
    (leading zeros may be dropped or added, unless ``strict``)."""
    if strict:
        return str(int(digits)) if len(digits) == width else None
    value = digits.lstrip("0") or "0"
    return value if len(value) <= width else None


def _skip(run: list[tuple[str, int, int]], gaps: list[str]) -> int:
    """Tokens to pass over when a run reads as no number: up to the next space, since a run of
    space-separated parts may hold a number further on (``Zahlung 4711 2024-000042``, ``25-3554
    2023-003906``); parts joined by punctuation are one thing."""
    return next((k + 1 for k, gap in enumerate(gaps) if gap.isspace()), len(run))


def _heads(groups: list[tuple[str, ...]]) -> tuple[frozenset[int] | range | None, ...]:
    """What each leading group of a layout may be: years from a little before the oldest to a
    year after the newest; other groups as seen when there are few of them; else anything."""
    heads: list[frozenset[int] | range | None] = []
    for k in range(len(groups[0]) - 1):
        values = {int(g[k]) for g in groups}
        if values <= set(_YEARS):
            heads.append(range(min(values) - 10, max(values) + 2))
        else:
            heads.append(frozenset(values) if len(values) <= 200 else None)
    return tuple(heads)

"""Structured references in remittance text: RF creditor references (ISO 11649), the reference an
invoice itself carries (its ``payment_reference``, as the ERP printed it: RF, Belgian
+++090/9337/55493+++, a Finnish or Swiss reference...), Stripe ids, and IBANs (which are no
invoice numbers).

Check digits are python-stdnum's (``stdnum.iso11649``, ``stdnum.iban``); a quick mod 97 comes
first, so only what may be valid is handed to it. :class:`StructuredReferences` finds a known
reference however the payer spaced or punctuated it; :func:`rf_reference` makes the RF
reference of one of our invoice numbers (to print on it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

#: an RF reference as written: RF, the check digits, then groups of letters and digits
_RF_WRITTEN = re.compile(r"\bRF ?\d{2}[0-9A-Z]*(?: [0-9A-Z]{1,4}){0,6}")
_STRIPE_ID = re.compile(r"\b(?:pi|ch|in|py)_[A-Za-z0-9]{8,}\b")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[0-9A-Za-z]+")
#: what may be an IBAN, printed in groups of four or not
IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")


def is_iban(text: str) -> bool:
    """True for a valid IBAN (an RF reference looks like one at first sight)."""
    compact = "".join(text.split())
    return not compact.startswith("RF") and _mod97(compact[4:] + compact[:4]) == 1 and stdnum_iban.is_valid(compact)


def _mod97(text: str) -> int:
    """ISO 7064 mod 97-10 of an alphanumeric string (A=10 ... Z=35): a quick first check before
    python-stdnum's own (which also knows each country's IBAN layout)."""
    return int("".join(str(int(c, 36)) for c in text)) % 97


def compact_reference(reference: str) -> str:
    """A structured reference without spaces and punctuation, in capitals."""
    return "".join(ch for ch in reference.upper() if ch.isalnum())


class StructuredReferences:
    """The references invoices carry (their ``payment_reference``), found in a text however it is
    spaced or punctuated, as long as it starts and ends at a word boundary."""

    def __init__(self, references: Mapping[str, list]):
        self.index = {compact_reference(ref): items for ref, items in references.items()
                      if len(compact_reference(ref)) >= 5}
        self.lengths = {len(ref) for ref in self.index}
        self.longest = max(self.lengths, default=0)
        self.starts = {ref[:3] for ref in self.index}  # most words start no reference: skip them at once

    def find(self, text: str) -> list[tuple[str, str]]:
        """(compact reference, as written) of every known reference in ``text``: the longest one
        starting at each word."""
        if not self.index or not _DIGIT.search(text):
            return []
        words = [(m.group().upper(), m.start(), m.end()) for m in _WORD.finditer(text)]
        found: list[tuple[str, str]] = []
        for k, (first, start, _) in enumerate(words):
            if (first if len(first) >= 3 else "".join(w for w, _, _ in words[k:k + 3]))[:3] not in self.starts:
                continue
            joined, best = "", None
            for word, _, stop in words[k:]:
                joined += word
                if len(joined) > self.longest:
                    break
                if len(joined) in self.lengths and joined in self.index:
                    best = (joined, text[start:stop])
            if best is not None:
                found.append(best)
        return found


def rf_valid(reference: str) -> bool:
    """True for a well-formed RF reference with correct check digits (spaces allowed)."""
    ref = "".join(reference.split()).upper()
    return bool(re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", ref)) and iso11649.is_valid(ref)


def rf_reference(number: str) -> str:
    """The RF creditor reference of an invoice number (its letters and digits, at most 21)."""
    payload = compact_reference(number)[-21:]
    return f"RF{mod_97_10.calc_check_digits(payload + 'RF')}{payload}"


def rf_references_in(text: str) -> list[str]:
    """The valid RF references in ``text``, compacted. A reference is written in one piece
    (``RF18539007547034``) or in groups of four with the last one shorter (``RF18 5390 0754
    7034``, ``RF17 7200 0035 37``): what follows it is never read as part of it."""
    found = []
    for match in _RF_WRITTEN.finditer(text.upper()):
        groups = match.group().split()
        if len(groups) > 1 and len(groups[0]) == 2:  # "RF 18 ...": the check digits apart
            groups = [groups[0] + groups[1], *groups[2:]]
        taken = [groups[0]]
        if len(groups[0]) == 4:  # printed in groups of four
            for group in groups[1:]:
                taken.append(group)
                if len(group) < 4:
                    break
        for end in range(len(taken), 0, -1):
            compact = "".join(taken[:end])
            if _mod97(compact[4:] + compact[:4]) == 1 and rf_valid(compact):
                found.append(compact)
                break
    return found


def stripe_ids_in(text: str) -> list[str]:
    """Stripe payment intent, charge, invoice and payment ids in ``text``."""
    return _STRIPE_ID.findall(text)

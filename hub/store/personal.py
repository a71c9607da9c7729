"""A customer's personal data as needles, found and replaced in text and JSON (pure).

    phrases  distinctive values (e-mail, full name, phone, street line, IBAN): replaced wherever
             they appear, case-insensitively, as whole words (so "Bob Norman" is found in
             "Order 1001 for Bob Norman booked", never inside "Bob Normandy")
    words    short parts (first name, last name, postal code, city): replaced only where a whole
             JSON string equals one exactly, and only in a document that holds a phrase

Needles are learned from the documents themselves, whatever system wrote them: a mapping that
holds a known e-mail or full name is a person (or an address), and its name, phone and address
fields become needles too (Shopify's ``first_name``, HubSpot's ``firstname``, Stripe's
``billing_details``, the canonical ``addresses``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: What erased personal data reads as.
ERASED = "[erased]"

_MIN_PHRASE = 4

# Keys compared without case, "_" or "-".
_FIRST = {"firstname", "givenname"}
_LAST = {"lastname", "familyname", "surname"}
_PHONE = {"phone", "mobile", "mobilephone", "phonenumber", "telephone"}
_STREET = {"address1", "address2", "line1", "line2", "street", "streetaddress", "address"}
_PLACE = {"zip", "postalcode", "postcode", "city", "latitude", "longitude"}


def _key(name: Any) -> str:
    return str(name).lower().replace("_", "").replace("-", "")


@dataclass(slots=True)
class Needles:
    """The personal data of one customer to find and replace."""

    phrases: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    _pattern: re.Pattern | None = None

    def add_phrase(self, value: Any) -> None:
        text = " ".join(str(value).split()) if isinstance(value, str) else ""
        if len(text) >= _MIN_PHRASE and ERASED[:-1] not in text:
            self.phrases.add(text)
            self._pattern = None

    def add_word(self, value: Any) -> None:
        text = value.strip() if isinstance(value, str) else ""
        if len(text) >= 2 and ERASED[:-1] not in text:
            self.words.add(text)

    def variants(self) -> list[str]:
        """Each phrase lower-cased, as written and as escaped in ASCII JSON (for SQL filters)."""
        found = {p.lower() for p in self.phrases}
        found |= {json.dumps(p)[1:-1].lower() for p in self.phrases}
        return sorted(found)

    @property
    def pattern(self) -> re.Pattern:
        if self._pattern is None:
            alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in
                                    sorted(self.phrases, key=len, reverse=True))
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives or '(?!)'})(?!\w)", re.IGNORECASE)
        return self._pattern

    def found_in(self, text: str) -> bool:
        return bool(self.phrases) and self.pattern.search(text) is not None

    def redact_text(self, text: str, *, keyed: bool = False) -> str:
        """``text`` with every phrase replaced; in a key column (``keyed``) by its pseudonym."""
        if not self.phrases:
            return text
        return self.pattern.sub((lambda m: pseudonym(m.group(0))) if keyed else ERASED, text)

    def redact_json(self, value: Any) -> Any:
        """``value`` with every phrase replaced, and every word where a whole string is one."""
        if isinstance(value, str):
            if value.strip() in self.words:
                return ERASED
            return self.redact_text(value)
        if isinstance(value, dict):
            return {self.redact_text(k) if isinstance(k, str) else k: self.redact_json(v)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_json(v) for v in value]
        return value

    def learn(self, value: Any) -> None:
        """Add the names, phones and addresses of every person ``value`` shows to be this one."""
        for _ in range(3):  # a name learned late in a document can reveal an address before it
            before = len(self.phrases) + len(self.words)
            for mapping in _mappings(value):
                if self._is_person(mapping):
                    self._learn_person(mapping)
            if len(self.phrases) + len(self.words) == before:
                return

    def _is_person(self, mapping: dict) -> bool:
        known = {p.lower() for p in self.phrases}
        for key, item in mapping.items():
            if isinstance(item, str) and " ".join(item.split()).lower() in known:
                if "email" in _key(key) or _key(key) in {"name", "fullname", "payername"}:
                    return True
        return _full_name(mapping).lower() in known

    def _learn_person(self, mapping: dict) -> None:
        for key, item in mapping.items():
            k = _key(key)
            if isinstance(item, (dict, list)):
                for entry in item if isinstance(item, list) else [item]:
                    if isinstance(entry, dict) and _is_address(entry):
                        self._learn_person(entry)
            elif k in _FIRST | _LAST:
                self.add_word(item)
            elif k in _PHONE or k in _STREET:
                self.add_phrase(item)
            elif k in _PLACE:
                self.add_word(item)
            elif k in {"name", "fullname"} and _looks_like_name(item):
                self.add_phrase(item)
                for part in item.split():
                    self.add_word(part)
            elif "email" in k and isinstance(item, str) and "@" in item:
                self.add_phrase(item)
        self.add_phrase(_full_name(mapping))


def _full_name(mapping: dict) -> str:
    first = next((v for k, v in mapping.items() if _key(k) in _FIRST and isinstance(v, str)), "")
    last = next((v for k, v in mapping.items() if _key(k) in _LAST and isinstance(v, str)), "")
    return f"{first} {last}".strip() if first and last else ""


def _looks_like_name(value: Any) -> bool:
    """Two words or more, no digit and no '#': a person's name, not an order's."""
    return (isinstance(value, str) and len(value.split()) >= 2
            and not any(c.isdigit() or c == "#" for c in value))


def _is_address(mapping: dict) -> bool:
    return any(_key(k) in _STREET | _PLACE for k in mapping)


def _mappings(value: Any) -> Iterable[dict]:
    """Every mapping inside ``value``, outermost first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def pseudonym(text: str) -> str:
    """What replaces personal data in a key column: distinct per value, so keys stay unique."""
    return f"[erased:{hashlib.sha256(text.lower().encode()).hexdigest()[:12]}]"

"""A customer's personal data as needles, found and replaced in text and JSON (pure).

    identity  who the customer is: their e-mails, names and external ids, from their canonical
              records; decides whose a document (or a part of one) is
    phrases   distinctive values (e-mail, full name, phone, street line, IBAN): replaced as whole
              words, case-insensitively (so "Bob Norman" is found in "Order 1001 for Bob Norman
              booked", never inside "Bob Normandy")
    words     short parts (first name, last name, postal code, city): replaced only where a whole
              JSON string equals one exactly, and only in a document that holds a phrase

Needles are learned only from what is this customer's: a mapping whose ``customer`` (or own
``email``) is this customer, and the person and address mappings inside it (Shopify's
``first_name``, HubSpot's ``firstname``, Stripe's ``billing_details``, the canonical
``addresses``). A document, or part of one, whose customer is someone else teaches nothing, and
in it only this customer's e-mail, full name, phone and IBAN are replaced: a street, city or
first name there is the other customer's as much as this one's.

An e-mail that is a whole value becomes ``erased@erased.invalid`` (the reserved ``.invalid``
domain never receives mail), so documents that must hold an e-mail stay valid; elsewhere
personal data becomes ``[erased]``.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

#: What erased personal data reads as.
ERASED = "[erased]"
#: What an erased e-mail reads as where a whole value is the e-mail: still a valid address.
ERASED_EMAIL = "erased@erased.invalid"

_MIN_PHRASE = 4

# Keys compared without case, "_" or "-".
_EMAIL = {"email", "emailaddress"}
_FIRST = {"firstname", "givenname"}
_LAST = {"lastname", "familyname", "surname"}
_NAME = {"name", "fullname"}
_PHONE = {"phone", "mobile", "mobilephone", "phonenumber", "telephone", "iban", "payeriban"}
_STREET = {"address1", "address2", "line1", "line2", "street", "streetaddress", "address"}
_PLACE = {"zip", "postalcode", "postcode", "city", "latitude", "longitude"}


def _key(name: Any) -> str:
    return str(name).lower().replace("_", "").replace("-", "")


def _norm(value: Any) -> str:
    return " ".join(value.split()).lower() if isinstance(value, str) else ""


class Owner(enum.Enum):
    """Whose a document, or a mapping inside one, is."""

    THIS = "this customer"
    OTHER = "another customer"
    UNKNOWN = "nobody said"


@dataclass(slots=True)
class Identity:
    """How documents name the customer: e-mails, names, external ids (``system:id`` and bare)."""

    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    refs: set[tuple[str, str]] = field(default_factory=set)

    def add(self, *, email: Any = None, name: Any = None, ref: tuple[str, str] | None = None) -> None:
        if _norm(email):
            self.emails.add(_norm(email))
        if _norm(name):
            self.names.add(_norm(name))
        if ref:
            self.refs.add((ref[0], str(ref[1])))

    def owner(self, mapping: dict) -> Owner:
        """Whose ``mapping`` is, by its ``customer`` or else its own ``email``; UNKNOWN if neither."""
        customer = mapping.get("customer")
        if isinstance(customer, dict):
            return self._party(customer)
        if isinstance(customer, (str, int)) and not isinstance(customer, bool):
            return Owner.THIS if str(customer) in {i for _, i in self.refs} else Owner.OTHER
        email = next((v for k, v in mapping.items() if _key(k) in _EMAIL and "@" in str(v)), None)
        if email is not None:
            return Owner.THIS if _norm(email) in self.emails else Owner.OTHER
        return Owner.UNKNOWN

    def _party(self, party: dict) -> Owner:
        """A customer mapping: e-mail first, then external ids, then name."""
        email = next((v for k, v in party.items() if _key(k) in _EMAIL and isinstance(v, str)), "")
        if email:
            return Owner.THIS if _norm(email) in self.emails else Owner.OTHER
        refs = {(str(r.get("system")), str(r.get("id"))) for r in party.get("external_refs") or []
                if isinstance(r, dict)}
        if refs & self.refs or (party.get("id") is not None and str(party["id"]) in {i for _, i in self.refs}):
            return Owner.THIS
        name = _norm(party.get("name")) or _norm(_full_name(party))
        if name:
            return Owner.THIS if name in self.names else Owner.OTHER
        return Owner.OTHER if refs or party.get("id") is not None else Owner.UNKNOWN


@dataclass(slots=True)
class Needles:
    """The personal data of one customer to find and replace."""

    identity: Identity = field(default_factory=Identity)
    phrases: set[str] = field(default_factory=set)
    streets: set[str] = field(default_factory=set)  # the phrases left alone in another's document
    words: set[str] = field(default_factory=set)
    _patterns: dict[bool, re.Pattern] = field(default_factory=dict)

    def add_phrase(self, value: Any) -> None:
        text = " ".join(str(value).split()) if isinstance(value, str) else ""
        if len(text) >= _MIN_PHRASE and ERASED[:-1] not in text and text.lower() != ERASED_EMAIL:
            self.phrases.add(text)
            self._patterns.clear()

    def add_street(self, value: Any) -> None:
        self.add_phrase(value)
        self.streets.add(" ".join(str(value).split()) if isinstance(value, str) else "")

    def add_word(self, value: Any) -> None:
        text = value.strip() if isinstance(value, str) else ""
        if len(text) >= 2 and ERASED[:-1] not in text:
            self.words.add(text)

    def variants(self) -> list[str]:
        """Each phrase lower-cased, as written and as escaped in ASCII JSON (for SQL filters)."""
        found = {p.lower() for p in self.phrases}
        found |= {json.dumps(p)[1:-1].lower() for p in self.phrases}
        return sorted(found)

    def pattern(self, owner: Owner = Owner.UNKNOWN) -> re.Pattern:
        """The phrases to replace in a document of ``owner``: in another's, no street lines."""
        others = owner is Owner.OTHER
        if others not in self._patterns:
            phrases = self.phrases - self.streets if others else self.phrases
            alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in
                                    sorted(phrases, key=len, reverse=True))
            self._patterns[others] = re.compile(rf"(?<!\w)(?:{alternatives or '(?!)'})(?!\w)", re.IGNORECASE)
        return self._patterns[others]

    def found_in(self, text: str) -> bool:
        return bool(self.phrases) and self.pattern().search(text) is not None

    def redact_text(self, text: str, *, keyed: bool = False, owner: Owner = Owner.UNKNOWN) -> str:
        """``text`` with every phrase replaced; in a key column (``keyed``) by its pseudonym."""
        if not self.phrases:
            return text
        if keyed:
            return self.pattern(owner).sub(lambda m: pseudonym(m.group(0)), text)
        if self._is_email(text):
            return ERASED_EMAIL
        return self.pattern(owner).sub(ERASED, text)

    def _is_email(self, text: str) -> bool:
        """Whether the whole of ``text`` is one of the customer's e-mails."""
        return "@" in text and _norm(text) in {p.lower() for p in self.phrases}

    def redact_json(self, value: Any, owner: Owner = Owner.UNKNOWN) -> Any:
        """``value`` with every phrase replaced, and every word where a whole string is one;
        in a part whose customer is another, only this customer's identifying phrases."""
        if isinstance(value, str):
            if owner is not Owner.OTHER and value.strip() in self.words and not self._is_email(value):
                return ERASED
            return self.redact_text(value, owner=owner)
        if isinstance(value, dict):
            found = self.identity.owner(value)
            owner = owner if found is Owner.UNKNOWN else found
            return {self.redact_text(k, owner=owner) if isinstance(k, str) else k: self.redact_json(v, owner)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_json(v, owner) for v in value]
        return value

    def learn(self, value: Any, owner: Owner = Owner.UNKNOWN) -> None:
        """Add the names, phones and addresses of this customer from the parts of ``value`` that
        are theirs (``owner`` says whose ``value`` is when it does not say so itself)."""
        for _ in range(3):  # a name learned late in a document can reveal an address before it
            before = len(self.phrases) + len(self.words)
            for mapping in _mappings(value, owner, self.identity):
                if self._is_person(mapping):
                    self._learn_person(mapping)
            if len(self.phrases) + len(self.words) == before:
                return

    def _is_person(self, mapping: dict) -> bool:
        known = {p.lower() for p in self.phrases}
        for key, item in mapping.items():
            if _norm(item) in known and (_key(key) in _EMAIL | _NAME or _key(key) == "payername"):
                return True
        return _full_name(mapping).lower() in known

    def _learn_person(self, mapping: dict) -> None:
        for key, item in mapping.items():
            k = _key(key)
            if isinstance(item, (dict, list)):
                for entry in item if isinstance(item, list) else [item]:
                    if isinstance(entry, dict) and _is_address(entry) and self._names_nobody_else(entry):
                        self._learn_person(entry)
            elif k in _FIRST | _LAST | _PLACE:
                self.add_word(item)
            elif k in _PHONE:
                self.add_phrase(item)
            elif k in _STREET:
                self.add_street(item)
            elif k in _NAME and _looks_like_name(item):
                self.add_phrase(item)
                for part in item.split():
                    self.add_word(part)
            elif k in _EMAIL and isinstance(item, str) and "@" in item:
                self.add_phrase(item)
        self.add_phrase(_full_name(mapping))

    def _names_nobody_else(self, address: dict) -> bool:
        """An address inside this customer's mapping is theirs unless it names someone else."""
        named = _norm(address.get("name")) or _norm(_full_name(address))
        return not named or named in {p.lower() for p in self.phrases}


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


def _mappings(value: Any, owner: Owner, identity: Identity) -> Iterator[dict]:
    """Every mapping inside ``value`` that is this customer's, outermost first."""
    stack: list[tuple[Any, Owner]] = [(value, owner)]
    while stack:
        item, owner = stack.pop()
        if isinstance(item, dict):
            found = identity.owner(item)
            owner = owner if found is Owner.UNKNOWN else found
            if owner is Owner.THIS:
                yield item
            stack.extend((v, owner) for v in reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend((v, owner) for v in reversed(item))


def pseudonym(text: str) -> str:
    """What replaces personal data in a key column: distinct per value, so keys stay unique."""
    return f"[erased:{hashlib.sha256(text.lower().encode()).hexdigest()[:12]}]"

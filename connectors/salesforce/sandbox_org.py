"""The data behind the Salesforce sandbox: sObject records, a small SOQL evaluator, query locators.

Records get what Salesforce gives them: an 18-character ``Id`` with the object's key prefix,
``attributes {type, url}``, ``CreatedDate``, ``LastModifiedDate`` and ``SystemModstamp``
(``2024-05-01T09:30:00.000+0000``). Every change bumps the stamps, strictly increasing.

The SOQL understood is the subset incremental polling uses::

    SELECT f1, f2, Rel.Field FROM Object [WHERE Field (>=|>|=|<=|<) literal] [ORDER BY f1[, f2]] [LIMIT n]

Anything else answers MALFORMED_QUERY; an unknown field answers INVALID_FIELD, like the real API.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

KEY_PREFIXES = {"Account": "001", "Contact": "003"}
STANDARD_FIELDS = {
    "Account": {"Id", "Name", "Phone", "BillingStreet", "BillingCity", "BillingState", "BillingPostalCode",
                "BillingCountry", "AccountNumber", "Website", "Industry"},
    "Contact": {"Id", "Name", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "AccountId",
                "MailingStreet", "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry"},
}
STAMPS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")
_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<sobject>\w+)"
    r"(?:\s+WHERE\s+(?P<field>\w+)\s*(?P<op>>=|<=|=|>|<)\s*(?P<value>\S+))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>\w+(?:\s*,\s*\w+)*))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "=": lambda a, b: a == b,
    "<=": lambda a, b: a <= b, "<": lambda a, b: a < b,
}


class SoqlError(Exception):
    """A query the org refuses: ``code`` is MALFORMED_QUERY or INVALID_FIELD."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def format_stamp(moment: datetime) -> str:
    """Salesforce's dateTime wire format: milliseconds and a +0000 offset."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_stamp(text: str) -> datetime:
    """A SOQL literal or a stored stamp as an aware datetime."""
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.strip().replace("Z", "+00:00"))
    return datetime.fromisoformat(text).astimezone(timezone.utc)


class Org:
    """One org's records by sObject, with a monotonic clock for the change stamps."""

    def __init__(self, api_version: str = "60.0", clock: Callable[[], datetime] | None = None):
        self.api_version = api_version
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in KEY_PREFIXES}
        self.lock = threading.RLock()
        self._serial = itertools.count(1)
        self._last = datetime.min.replace(tzinfo=timezone.utc)

    def put(self, sobject: str, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Create or replace records (kept stamps are honoured, missing ones set to now)."""
        with self.lock:
            return [self._store(sobject, dict(r)) for r in records]

    def change(self, sobject: str, record_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Update fields of one record and bump LastModifiedDate and SystemModstamp."""
        with self.lock:
            record = self.table(sobject).get(record_id)
            if record is None:
                raise KeyError(record_id)
            stamp = format_stamp(self._tick())
            record.update({k: v for k, v in fields.items() if k not in ("Id", "attributes", *STAMPS)})
            record.update(LastModifiedDate=stamp, SystemModstamp=stamp)
            _derive(sobject, record)
            return dict(record)

    def table(self, sobject: str) -> dict[str, dict[str, Any]]:
        """The records of ``sobject`` by id (case-insensitive name, as in SOQL)."""
        name = next((n for n in self.records if n.lower() == sobject.lower()), None)
        if name is None:
            raise SoqlError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        return self.records[name]

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Evaluate ``soql`` into result records (selected fields plus attributes)."""
        match = _SOQL.match(soql)
        if match is None:
            token = (soql.split() or ["<empty>"])[0]
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: {token}")
        with self.lock:
            table = self.table(match["sobject"])
            fields = [f.strip() for f in match["fields"].split(",")]
            self._check_fields(match["sobject"], fields + ([match["field"]] if match["field"] else []))
            rows = [r for r in table.values() if self._where(r, match)]
            rows.sort(key=lambda r: tuple(str(r.get(f) or "") for f in _order_of(match)))
            limit = int(match["limit"]) if match["limit"] else None
            return [self._select(r, fields) for r in rows[:limit]]

    def _check_fields(self, sobject: str, fields: list[str]) -> None:
        name = next(n for n in self.records if n.lower() == sobject.lower())
        known = {f.lower() for f in self._known_fields(name)}
        for field in fields:
            base = field.split(".")[0] if "." in field else field
            if (base.lower() + "id" if "." in field else base.lower()) not in known:
                raise SoqlError("INVALID_FIELD", f"No such column '{field}' on entity '{name}'. If you are "
                                "attempting to use a custom field, be sure to append the '__c' after the "
                                "custom field name.")

    def _known_fields(self, sobject: str) -> set[str]:
        present = {k for r in self.records[sobject].values() for k in r if k != "attributes"}
        return STANDARD_FIELDS.get(sobject, set()) | set(STAMPS) | present

    def _where(self, record: Mapping[str, Any], match: re.Match) -> bool:
        if not match["field"]:
            return True
        value = record.get(match["field"])
        if value is None:
            return False
        if match["field"] in STAMPS:
            return _OPS[match["op"]](parse_stamp(value), parse_stamp(match["value"]))
        return _OPS[match["op"]](str(value), match["value"].strip("'"))

    def _select(self, record: Mapping[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": dict(record["attributes"])}
        for field in fields:
            if "." in field:
                out.update(self._related(record, field))
            else:
                key = next((k for k in record if k.lower() == field.lower()), field)
                out[key] = record.get(key)
        return out

    def _related(self, record: Mapping[str, Any], field: str) -> dict[str, Any]:
        """``Account.Name`` on a Contact: the parent object nested under its relationship name."""
        relation, name = field.split(".", 1)
        parent = self.table(relation).get(record.get(f"{relation}Id") or "")
        if parent is None:
            return {relation: None}
        return {relation: {"attributes": dict(parent["attributes"]), name: parent.get(name)}}

    def _store(self, sobject: str, record: dict[str, Any]) -> dict[str, Any]:
        table = self.table(sobject)
        name = next(n for n in self.records if n.lower() == sobject.lower())
        record_id = record.get("Id") or self._new_id(name)
        now = format_stamp(self._tick())
        stamps = {k: format_stamp(parse_stamp(record[k])) if record.get(k) else now for k in STAMPS}
        url = f"/services/data/v{self.api_version}/sobjects/{name}/{record_id}"
        table[record_id] = {"attributes": {"type": name, "url": url}, **record, "Id": record_id, **stamps}
        _derive(name, table[record_id])
        return dict(table[record_id])

    def _new_id(self, sobject: str) -> str:
        return f"{KEY_PREFIXES[sobject]}SB{next(self._serial):010d}AAA"

    def _tick(self) -> datetime:
        """Now, but always at least a millisecond after the previous stamp."""
        now = self.clock().astimezone(timezone.utc)
        self._last = max(now, self._last + timedelta(milliseconds=1))
        return self._last


def _derive(sobject: str, record: dict[str, Any]) -> None:
    """Fields Salesforce computes: a Contact's Name from its first and last name."""
    if sobject.lower() == "contact" and ("FirstName" in record or "LastName" in record):
        record["Name"] = " ".join(n for n in (record.get("FirstName"), record.get("LastName")) if n) or None


def _order_of(match: re.Match) -> list[str]:
    return [f.strip() for f in (match["order"] or "Id").split(",")]

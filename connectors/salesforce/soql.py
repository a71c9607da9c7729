"""The pollable Salesforce resources and the incremental SOQL each one runs (pure).

    SELECT Id, Name, … FROM Account
    WHERE SystemModstamp >= 2024-05-01T09:30:00Z
    ORDER BY SystemModstamp, Id

``SystemModstamp`` changes on every write, including system ones (unlike LastModifiedDate), and
is indexed, so it is the field to poll on. The bound is inclusive and truncated to whole seconds
(SOQL dateTime literals carry no fraction): records stamped exactly at the cursor are read again
and deduplicated by the hub on (id, updated_at).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from connectors.salesforce.mapping import CustomFields, account_to_customer, contact_to_customer

MODSTAMP = "SystemModstamp"
_ADDRESS = ("Street", "City", "State", "PostalCode", "Country")


@dataclass(frozen=True, slots=True, kw_only=True)
class SObjectResource:
    """One poll resource: the sObject, the fields it reads and how a record maps."""

    sobject: str
    fields: tuple[str, ...]
    to_customer: Callable[[Mapping[str, Any], CustomFields], dict[str, Any]]

    def query(self, custom: CustomFields, start: datetime | None, extra: tuple[str, ...] = ()) -> str:
        """The SOQL for records changed at or after ``start`` (everything when None)."""
        fields = _unique((*self.fields, *custom.selected(), *extra, MODSTAMP))
        where = f" WHERE {MODSTAMP} >= {soql_datetime(start)}" if start else ""
        return f"SELECT {', '.join(fields)} FROM {self.sobject}{where} ORDER BY {MODSTAMP}, Id"


RESOURCES: dict[str, SObjectResource] = {
    "accounts": SObjectResource(
        sobject="Account",
        fields=("Id", "Name", "Phone", *(f"Billing{p}" for p in _ADDRESS)),
        to_customer=account_to_customer,
    ),
    "contacts": SObjectResource(
        sobject="Contact",
        fields=("Id", "Name", "FirstName", "LastName", "Email", "Phone", "AccountId", "Account.Name",
                *(f"Mailing{p}" for p in _ADDRESS)),
        to_customer=contact_to_customer,
    ),
}


def soql_datetime(moment: datetime) -> str:
    """A SOQL dateTime literal in UTC, floored to the second (``2024-05-01T09:30:00Z``)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unique(names: tuple[str, ...]) -> tuple[str, ...]:
    """Field names without repeats (SOQL refuses duplicate fields), first occurrence wins."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return tuple(seen.values())

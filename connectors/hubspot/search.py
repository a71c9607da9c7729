"""The pollable HubSpot resources and the CRM v3 search each one sends (pure).

    POST /crm/v3/objects/contacts/search
    {"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE",
                                    "value": "1714555800000"}]}],
     "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
     "properties": [...], "limit": 100, "after": "100"}

Contacts keep their change time in ``lastmodifieddate``, every other object in
``hs_lastmodifieddate``. Filter values are epoch milliseconds, floored, so the bound is inclusive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from connectors.hubspot.mapping import CustomProperties, company_to_customer, contact_to_customer

_ADDRESS = ("address", "city", "state", "zip", "country")


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResource:
    """One poll resource: the CRM object type, its change-time property, what it reads."""

    object_type: str
    modified_property: str
    properties: tuple[str, ...]
    to_customer: Callable[[Mapping[str, Any], CustomProperties], dict[str, Any]]

    def body(self, custom: CustomProperties, start: datetime | None, *, limit: int, after: str | None) -> dict[str, Any]:
        """The search request for records changed at or after ``start``, oldest first."""
        body: dict[str, Any] = {
            "filterGroups": [{"filters": [{"propertyName": self.modified_property, "operator": "GTE",
                                           "value": str(epoch_millis(start))}]}] if start else [],
            "sorts": [{"propertyName": self.modified_property, "direction": "ASCENDING"}],
            "properties": list(dict.fromkeys((*self.properties, *custom.requested(), self.modified_property))),
            "limit": limit,
        }
        if after is not None:
            body["after"] = after
        return body


RESOURCES: dict[str, SearchResource] = {
    "contacts": SearchResource(
        object_type="contacts", modified_property="lastmodifieddate",
        properties=("email", "firstname", "lastname", "phone", "mobilephone", "company", *_ADDRESS, "createdate"),
        to_customer=contact_to_customer,
    ),
    "companies": SearchResource(
        object_type="companies", modified_property="hs_lastmodifieddate",
        properties=("name", "domain", "phone", "address2", *_ADDRESS, "createdate"),
        to_customer=company_to_customer,
    ),
}


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since the epoch (naive datetimes are taken as UTC), floored."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return int(aware.timestamp() * 1000)

"""Customers as Tryton parties: found by a stable key before anything is created.

A party's bank accounts (the ``bank`` module's, when it is activated) are read for the
customers the hub builds from Tryton (``customers``): the IBANs of its active accounts, with
the bank's BIC where Tryton has one, so cash application knows who pays from them.

A party is found, in this order, by an identifier ``<system>:<id>`` made from one of the
customer's external refs (written on creation, so a changed e-mail still finds it), then by
its e-mail contact mechanism. Only when neither matches is a party created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connectors.common.customers import bank_account
from connectors.tryton import mapping
from connectors.tryton.client import TrytonClient
from hub.errors import FatalError

ACTION = "upsert_party"


class Parties:
    """Find, create and update ``party.party`` records from canonical customers; read parties
    back as customer references."""

    def __init__(self, client: TrytonClient):
        self.client = client
        self.banking: bool | None = None  # is the bank module activated? asked once

    def customers(self, party_ids: Iterable[int], *, action: str) -> dict[int, dict[str, Any]]:
        """The parties ``party_ids`` as canonical customer references, by id: name, e-mail, the
        party's Tryton id and its bank accounts; one read for all of them (and two for the
        accounts)."""
        ids = sorted(set(party_ids))
        if not ids:
            return {}
        accounts = self.bank_accounts(ids, action=action)
        return {row["id"]: mapping.customer_from_party(row, accounts.get(row["id"], []))
                for row in self.client.read("party.party", ids, ["name", "email"], action=action)}

    def bank_accounts(self, party_ids: list[int], *, action: str) -> dict[int, list[dict[str, str]]]:
        """Each party's active IBAN accounts, in Tryton's order ({} without the bank module)."""
        if not self.has_banking(action=action):
            return {}
        accounts = self.client.search_read("bank.account", [("owners", "in", party_ids)], ["owners", "bank.bic"],
                                           order=[("id", "ASC")], action=action)
        numbers = self.client.search_read(
            "bank.account.number", [("account", "in", [a["id"] for a in accounts]), ("type", "=", "iban")],
            ["account", "number_compact"], order=[("sequence", "ASC"), ("id", "ASC")], action=action)
        by_account: dict[int, list[str]] = {}
        for number in numbers:
            by_account.setdefault(number["account"], []).append(number["number_compact"])
        wanted, found = set(party_ids), {}
        for account in accounts:
            bic = (account.get("bank.") or {}).get("bic")
            entries = [e for e in (bank_account(n, bic) for n in by_account.get(account["id"], [])) if e]
            for owner in (o for o in account["owners"] if o in wanted):
                found.setdefault(owner, []).extend(entries)
        return found

    def has_banking(self, *, action: str) -> bool:
        """Whether the database has the bank module (parties with bank accounts)."""
        if self.banking is None:
            self.banking = bool(self.client.search("ir.model", [("name", "=", "bank.account")], limit=1,
                                                   action=action))
        return self.banking

    def upsert(self, customer: Mapping[str, Any], *, action: str = ACTION) -> dict[str, Any]:
        """Create the party or bring it up to date; ``{id, code, created}``."""
        if not (customer.get("name") or customer.get("email")):
            raise FatalError("a customer needs a name or an email", connection=self.client.connection, action=action)
        party_id = self.find(customer, action=action)
        created = party_id is None
        if created:
            addresses = [self.address_values(a, action) for a in customer.get("addresses") or []]
            party_id, = self.client.create("party.party", [mapping.party_values(customer, addresses)], action=action)
        else:
            self.update(party_id, customer, action=action)
        party, = self.client.read("party.party", [party_id], ["code"], action=action)
        return {"id": party_id, "code": party["code"], "created": created}

    def find(self, customer: Mapping[str, Any], *, action: str = ACTION) -> int | None:
        """The id of the party this customer already is, or None."""
        codes = mapping.external_codes(customer)
        if codes:
            found = self.client.search_read("party.identifier", [("code", "in", codes)], ["party"],
                                            limit=1, order=[("id", "ASC")], action=action)
            if found:
                return found[0]["party"]
        if customer.get("email"):
            return self.by_email(customer["email"], action=action)
        return None

    def by_email(self, email: str, *, action: str = ACTION) -> int | None:
        """The oldest party with this e-mail address, or None."""
        found = self.client.search_read("party.contact_mechanism", [("type", "=", "email"), ("value", "=", email)],
                                        ["party"], limit=1, order=[("id", "ASC")], action=action)
        return found[0]["party"] if found else None

    def update(self, party_id: int, customer: Mapping[str, Any], *, action: str = ACTION) -> None:
        """Write what changed: name, e-mail, missing identifiers and new addresses."""
        party, = self.client.read("party.party", [party_id], ["name"], action=action)
        self.client.write("party.party", [party_id], mapping.party_changes(customer, party), action=action)
        if customer.get("email"):
            self.sync_email(party_id, customer["email"], action=action)
        self.add_identifiers(party_id, mapping.external_codes(customer), action=action)
        self.add_addresses(party_id, customer.get("addresses") or [], action=action)

    def sync_email(self, party_id: int, email: str, *, action: str) -> None:
        """Make ``email`` the party's first e-mail contact mechanism."""
        contacts = self.client.search_read("party.contact_mechanism", [("party", "=", party_id), ("type", "=", "email")],
                                           ["value"], order=[("sequence", "ASC"), ("id", "ASC")], action=action)
        if not contacts:
            self.client.create("party.contact_mechanism", [{"party": party_id, "type": "email", "value": email}],
                               action=action)
        elif contacts[0]["value"] != email:
            self.client.write("party.contact_mechanism", [contacts[0]["id"]], {"value": email}, action=action)

    def add_identifiers(self, party_id: int, codes: list[str], *, action: str) -> None:
        """Attach the external-ref identifiers the party does not carry yet."""
        known = {row["code"] for row in self.client.search_read(
            "party.identifier", [("party", "=", party_id)], ["code"], action=action)}
        missing = [{"party": party_id, "code": code} for code in codes if code not in known]
        if missing:
            self.client.create("party.identifier", missing, action=action)

    def add_addresses(self, party_id: int, addresses: list[Mapping[str, Any]], *, action: str) -> None:
        """Create the addresses the party does not have yet (none is ever deleted)."""
        fields = ["street", "postal_code", "city", "country"]
        known = {mapping.address_key(row) for row in self.client.search_read(
            "party.address", [("party", "=", party_id)], fields, action=action)}
        for address in addresses:
            values = self.address_values(address, action)
            if mapping.address_key(values) not in known:
                self.client.create("party.address", [{**values, "party": party_id}], action=action)
                known.add(mapping.address_key(values))

    def address_values(self, address: Mapping[str, Any], action: str) -> dict[str, Any]:
        """Canonical address → ``party.address`` values, with the country looked up."""
        return mapping.address_values(address, self.country_id(address.get("country"), action))

    def country_id(self, code: str | None, action: str) -> int | None:
        """The ``country.country`` id of an ISO code (None when Tryton has no such country)."""
        if not code:
            return None
        ids = self.client.search("country.country", [("code", "=", code.upper())], limit=1, action=action)
        return ids[0] if ids else None

    def address_id(self, party_id: int, *, action: str) -> int:
        """The party's first address, created empty if it has none (a sale needs one)."""
        ids = self.client.search("party.address", [("party", "=", party_id)], limit=1,
                                 order=[("sequence", "ASC"), ("id", "ASC")], action=action)
        return ids[0] if ids else self.client.create("party.address", [{"party": party_id}], action=action)[0]

"""Parties read back as customer references, with and without Tryton's bank module (a fake
client answering as trytond does; the real server is in test_party_accounts_e2e.py)."""

from __future__ import annotations

from connectors.tryton.parties import Parties


class FakeClient:
    """Answers the calls Parties.customers makes; ``banking`` says whether bank.account exists."""

    def __init__(self, *, banking: bool):
        self.banking, self.calls = banking, []

    def search(self, model, domain, *, limit=None, order=None, action=None):
        self.calls.append(("search", model))
        return [77] if self.banking else []

    def read(self, model, ids, fields, *, action=None):
        self.calls.append(("read", model))
        parties = {5: {"id": 5, "name": "Acme GmbH", "email": "ap@acme.example"}, 6: {"id": 6, "name": "Solo", "email": None}}
        return [parties[i] for i in reversed(ids)]  # Tryton promises no order

    def search_read(self, model, domain, fields, *, limit=None, order=None, action=None):
        self.calls.append(("search_read", model))
        if model == "bank.account":
            return [{"id": 1, "owners": [5, 9], "bank.": {"bic": "cobadeffxxx"}},
                    {"id": 2, "owners": [5], "bank.": None},
                    {"id": 3, "owners": [6], "bank.": {"bic": "NOT A BIC"}}]
        return [{"account": 1, "number_compact": "DE89370400440532013000"},
                {"account": 2, "number_compact": "DE89370400440532013001"},  # check digits fail
                {"account": 3, "number_compact": "NL91ABNA0417164300"}]


def test_parties_carry_their_valid_ibans_each_once_and_the_bic_when_well_formed():
    customers = Parties(FakeClient(banking=True)).customers([6, 5, 5], action="test")
    assert customers == {
        5: {"name": "Acme GmbH", "email": "ap@acme.example", "external_refs": [{"system": "tryton", "id": "5"}],
            "bank_accounts": [{"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}]},
        6: {"name": "Solo", "external_refs": [{"system": "tryton", "id": "6"}],
            "bank_accounts": [{"iban": "NL91ABNA0417164300"}]}}


def test_without_the_bank_module_parties_come_without_accounts_and_it_is_asked_once():
    client = FakeClient(banking=False)
    parties = Parties(client)
    first, second = parties.customers([5], action="test"), parties.customers([6], action="test")
    assert "bank_accounts" not in first[5] and "bank_accounts" not in second[6]
    assert client.calls.count(("search", "ir.model")) == 1
    assert ("search_read", "bank.account") not in client.calls

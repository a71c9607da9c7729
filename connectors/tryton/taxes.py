"""Customer taxes by rate: the ``account.tax`` a storefront tax line stands for.

A canonical tax line names its rate (0.19 for 19 %). The Tryton tax is a top-level percentage
sales tax (no tax group, or a group for sales) of the company with exactly that rate, the
oldest first; a purchase tax of the same rate is never taken. A rate Tryton does not know yet
is created as "Sales tax 19%" with the tax accounts and group of the company's first sales tax,
so a new rate (a new country, a changed law) books its tax where the others go instead of
stopping the order; with no tax to take the accounts from, the order is refused with a message
that says what to set up.
"""

from __future__ import annotations

from decimal import Decimal

from connectors.tryton.client import TrytonClient
from hub.errors import FatalError

TAX_FIELDS = ["rate", "invoice_account", "credit_note_account", "group"]
SALE_TAX_DOMAIN = [("type", "=", "percentage"), ("parent", "=", None),
                   ["OR", ("group", "=", None), ("group.kind", "in", ["sale", "both"])]]


class Taxes:
    """Find (or create) the percentage tax of a rate; ids are remembered per connection."""

    def __init__(self, client: TrytonClient):
        self.client = client
        self.known: dict[Decimal, int] = {}

    def ids(self, rates: list[Decimal], *, action: str) -> list[int]:
        """The tax ids of ``rates`` (zero rates carry no tax and are left out)."""
        return [self.of_rate(rate, action=action) for rate in rates if rate]

    def of_rate(self, rate: Decimal, *, action: str) -> int:
        """The id of the percentage tax of ``rate``, created when Tryton has none."""
        rate = Decimal(rate).normalize()
        if rate not in self.known:
            self.load(action=action)
        if rate not in self.known:
            self.known[rate] = self.create(rate, action=action)
        return self.known[rate]

    def load(self, *, action: str) -> None:
        """Every top-level percentage tax by rate, oldest first (compared here, exactly: a
        database may keep 0.19 as 0.1900000000)."""
        for tax in reversed(self.percentage_taxes(action=action)):
            self.known[Decimal(tax["rate"]).normalize()] = tax["id"]

    def percentage_taxes(self, *, action: str) -> list[dict]:
        """Top-level percentage taxes a sale line may carry (Tryton's own domain on sale lines:
        no group, or a group of kind sale or both), oldest first; never a purchase tax."""
        return self.client.search_read("account.tax", SALE_TAX_DOMAIN, TAX_FIELDS, order=[("id", "ASC")],
                                       action=action)

    def create(self, rate: Decimal, *, action: str) -> int:
        """A percentage tax of ``rate`` booked on the accounts of the first existing one."""
        model = self.percentage_taxes(action=action)
        if not model:
            raise FatalError(f"Tryton has no customer tax of {percent(rate)} and none to copy its accounts from: "
                             "create the tax in Tryton (Financial > Taxes)", connection=self.client.connection,
                             action=action)
        name = f"Sales tax {percent(rate)}"
        tax_id, = self.client.create("account.tax", [{
            "name": name, "description": name, "type": "percentage", "rate": rate, "group": model[0]["group"],
            "invoice_account": model[0]["invoice_account"], "credit_note_account": model[0]["credit_note_account"],
        }], action=action)
        return tax_id


def percent(rate: Decimal) -> str:
    """``0.19`` → ``19%``, ``0.08875`` → ``8.875%``."""
    return f"{(rate * 100).normalize():f}%"

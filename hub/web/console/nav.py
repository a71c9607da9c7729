"""The console's one navigation, built from the areas that exist.

Each area module declares ``NAV = NavItem(...)``; the layout lists the items the logged-in
user's role may see, in the order the areas are registered. A new page adds itself by
declaring its item: nothing else lists the pages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class NavItem:
    """One link of the navigation: its label, the endpoint it opens, the permission it needs."""

    label: str
    endpoint: str
    permission: str = "read"


class Navigation:
    """The navigation items of one app, in order."""

    def __init__(self) -> None:
        self.items: list[NavItem] = []

    def add(self, item: NavItem) -> None:
        self.items.append(item)

    def visible_to(self, user) -> list[NavItem]:
        return [item for item in self.items if user is not None and user.can(item.permission)]

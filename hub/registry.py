"""The connector registry: an object, not a module global.

Built-in connectors register through the ``o2c_hub.connectors`` entry-point group declared in
pyproject.toml, exactly like third-party ones, so there is one way in::

    [project.entry-points."o2c_hub.connectors"]
    acme = "acme_o2c.connector:AcmeConnector"

Tests build their own registry (``ConnectorRegistry()`` or ``registry.clone()``) and add kinds
with ``registry.register``.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

from hub.connector import Connector

ENTRY_POINT_GROUP = "o2c_hub.connectors"


class ConnectorRegistry:
    """Connector kinds by name."""

    def __init__(self, kinds: dict[str, type[Connector]] | None = None,
                 installed: dict[str, EntryPoint] | None = None):
        self._kinds: dict[str, type[Connector]] = dict(kinds or {})
        # Installed kinds not imported yet: a connector's module (and its client library) is
        # imported when a connection first uses it, not at every start.
        self._installed: dict[str, EntryPoint] = dict(installed or {})

    @classmethod
    def from_entry_points(cls) -> ConnectorRegistry:
        """A registry with every connector installed in this environment."""
        return cls(installed={ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)})

    def register(self, kind: type[Connector], *, name: str | None = None) -> type[Connector]:
        """Add ``kind`` under ``name`` (default ``kind.kind``); usable as a decorator."""
        name = name or kind.kind
        self._kinds[name] = kind
        self._installed.pop(name, None)
        return kind

    def get(self, name: str) -> type[Connector]:
        """The connector class called ``name``; LookupError lists the known names."""
        if name in self._installed:
            self.register(self._installed[name].load(), name=name)
        try:
            return self._kinds[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise LookupError(f"unknown connector {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        return sorted({*self._kinds, *self._installed})

    def clone(self) -> ConnectorRegistry:
        return ConnectorRegistry(self._kinds, self._installed)

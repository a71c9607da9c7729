"""Connectors: one package per external system, plus the shared HTTP toolkit (connectors.http)."""

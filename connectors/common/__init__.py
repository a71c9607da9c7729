"""Pure helpers shared by several connectors' mappings (no I/O, no requests)."""

"""Alembic migrations of the o2c-hub store (configured in hub.store.migrate, no alembic.ini)."""

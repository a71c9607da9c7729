"""Persistence: SQLAlchemy 2.0 models (platform tables and the canonical O2C model) and Alembic."""

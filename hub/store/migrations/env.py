"""Alembic environment: the whole store (platform + canonical tables) as one metadata.

Run through hub.store.migrate, which passes either an open connection
(``config.attributes["connection"]``) or a URL (``sqlalchemy.url``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.types import TypeDecorator

import hub.store.o2c  # noqa: F401  (registers the canonical tables)
import hub.store.platform  # noqa: F401  (registers the platform tables)
from hub.store.base import Base, make_engine

target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    """Render our TypeDecorators as their plain SQLAlchemy type: revisions import no app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            run_with(connection)
    finally:
        engine.dispose()


run_online()

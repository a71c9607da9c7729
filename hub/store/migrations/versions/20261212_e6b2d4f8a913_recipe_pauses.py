"""recipes paused by an admin

Revision ID: e6b2d4f8a913
Revises: d81f3c5a9e20
Create Date: 2026-12-12 00:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'e6b2d4f8a913'
down_revision = 'd81f3c5a9e20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recipe_pauses',
        sa.Column('recipe', sa.String(length=120), nullable=False),
        sa.Column('paused_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('paused_by', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('recipe'),
    )


def downgrade() -> None:
    op.drop_table('recipe_pauses')

"""cash-application decisions remember when their payment was recorded in the ERP

Revision ID: c8a2e4f1d6b7
Revises: b3f1c7d9e052
Create Date: 2026-12-15 00:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'c8a2e4f1d6b7'
down_revision = 'b3f1c7d9e052'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('match_proposals', schema=None) as batch:
        batch.add_column(sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('posting', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('match_proposals', schema=None) as batch:
        batch.drop_column('posting')
        batch.drop_column('posted_at')

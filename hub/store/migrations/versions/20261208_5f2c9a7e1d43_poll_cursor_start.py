"""poll cursor start

Revision ID: 5f2c9a7e1d43
Revises: cb15d3486cba
Create Date: 2026-12-08 00:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '5f2c9a7e1d43'
down_revision = 'cb15d3486cba'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('poll_cursors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('poll_cursors', schema=None) as batch_op:
        batch_op.drop_column('start_at')

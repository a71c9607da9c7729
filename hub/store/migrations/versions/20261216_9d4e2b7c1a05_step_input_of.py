"""a step whose input was the run's event says so instead of storing the event again

Revision ID: 9d4e2b7c1a05
Revises: c8a2e4f1d6b7
Create Date: 2026-12-16 00:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '9d4e2b7c1a05'
down_revision = 'c8a2e4f1d6b7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('step_runs', schema=None) as batch:
        batch.add_column(sa.Column('input_of', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('step_runs', schema=None) as batch:
        batch.drop_column('input_of')

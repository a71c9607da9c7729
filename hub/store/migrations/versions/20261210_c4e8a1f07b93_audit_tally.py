"""audit tally: a row counts repeated occurrences (first_at .. at); audit lines indexed by time

Revision ID: c4e8a1f07b93
Revises: a7d3e91c4b62
Create Date: 2026-12-10 00:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'c4e8a1f07b93'
down_revision = 'a7d3e91c4b62'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('first_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_column('first_at')
        batch_op.drop_column('count')

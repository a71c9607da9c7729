"""console sessions kept by the hub, so logging out ends them

Revision ID: b3f1c7d9e052
Revises: 4e1306949993
Create Date: 2026-12-14 00:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'b3f1c7d9e052'
down_revision = '4e1306949993'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_ref', sa.String(length=255), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_console_sessions_started_at', 'console_sessions', ['started_at'])


def downgrade() -> None:
    op.drop_index('ix_console_sessions_started_at', table_name='console_sessions')
    op.drop_table('console_sessions')

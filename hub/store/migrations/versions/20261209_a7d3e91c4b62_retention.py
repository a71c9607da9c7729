"""retention: pruned markers and the indexes pruning reads by

Revision ID: a7d3e91c4b62
Revises: 5f2c9a7e1d43
Create Date: 2026-12-09 00:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'a7d3e91c4b62'
down_revision = '5f2c9a7e1d43'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('events', 'step_runs', 'effects'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('pruned_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_events_unpruned', 'events', ['pruned_at', 'received_at'], unique=False)
    op.create_index('ix_runs_finished', 'runs', ['status', 'finished_at'], unique=False)
    op.create_index(op.f('ix_runs_replay_of'), 'runs', ['replay_of'], unique=False)
    op.create_index(op.f('ix_effects_run_id'), 'effects', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_effects_run_id'), table_name='effects')
    op.drop_index(op.f('ix_runs_replay_of'), table_name='runs')
    op.drop_index('ix_runs_finished', table_name='runs')
    op.drop_index('ix_events_unpruned', table_name='events')
    for table in ('effects', 'step_runs', 'events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('pruned_at')

"""match proposals keep every candidate set; bank lines found by statement

Revision ID: 4e1306949993
Revises: e6b2d4f8a913
Create Date: 2026-12-13 00:00:00

Proposals decided before this revision keep ``candidates`` NULL: their one stored set is read
as candidate 1 (hub.o2c.cashapp.candidates.stored_candidates), and those already accepted are
marked as having accepted it.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '4e1306949993'
down_revision = 'e6b2d4f8a913'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('match_proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('candidates', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('accepted_candidate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('accept_reason', sa.Text(), nullable=True))
    op.execute("UPDATE match_proposals SET accepted_candidate = 1 WHERE status = 'accepted'")
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_transactions_statement_id'), ['statement_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_transactions_statement_id'))
    with op.batch_alter_table('match_proposals', schema=None) as batch_op:
        batch_op.drop_column('accept_reason')
        batch_op.drop_column('accepted_candidate')
        batch_op.drop_column('candidates')

"""console users and the console's session signing key

Revision ID: d81f3c5a9e20
Revises: c4e8a1f07b93
Create Date: 2026-12-11 00:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'd81f3c5a9e20'
down_revision = 'c4e8a1f07b93'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'console_keys',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('console_keys')
    op.drop_table('console_users')

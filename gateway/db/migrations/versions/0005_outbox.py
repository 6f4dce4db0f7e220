"""outbox: persistent outbound messages to roaming partners (OCPI, OICP pushes)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 05:30:20.614575
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('protocol', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('credential', sa.String(length=128), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('response_location', sa.Text(), nullable=True),
    sa.Column('correlation_id', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('queued_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_partner_status', ['partner', 'status'], unique=False)
        batch_op.create_index('ix_outbox_messages_partner_stream_status', ['partner', 'stream', 'status', 'id'], unique=False)
        batch_op.create_index('ix_outbox_messages_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_status_next_attempt_at')
        batch_op.drop_index('ix_outbox_messages_partner_stream_status')
        batch_op.drop_index('ix_outbox_messages_partner_status')

    op.drop_table('outbox_messages')

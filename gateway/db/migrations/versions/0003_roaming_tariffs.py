"""roaming tariffs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 05:20:13.808852
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roaming_tariffs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('valid_from', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('valid_to', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('max_payment_authorization_amount', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roaming_tariffs'))
    )
    with op.batch_alter_table('roaming_tariffs', schema=None) as batch_op:
        batch_op.create_index('ix_roaming_tariffs_code', ['code'], unique=False)

    op.create_table('tariff_assignments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('tariff_code', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_assignments')),
    sa.UniqueConstraint('level', 'target_id', 'tariff_code', name=op.f('uq_tariff_assignments_level_target_id_tariff_code'))
    )
    op.create_table('session_cdrs',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('tariff_ids', sa.JSON(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('cdr', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('total_excl_vat', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('total_incl_vat', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_cdrs_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_cdrs'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roaming_platform', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('roaming_platform')

    op.drop_table('session_cdrs')
    op.drop_table('tariff_assignments')
    with op.batch_alter_table('roaming_tariffs', schema=None) as batch_op:
        batch_op.drop_index('ix_roaming_tariffs_code')

    op.drop_table('roaming_tariffs')

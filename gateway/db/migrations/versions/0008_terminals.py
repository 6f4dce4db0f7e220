"""payment terminals, financial advice confirmations, sessions.monetary_limit (issue 8)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 07:25:09.955624
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('financial_advice_confirmations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('fac_id', sa.String(length=36), nullable=False),
    sa.Column('authorization_reference', sa.String(length=36), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total_excl_vat', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('total_incl_vat', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('total_costs', sa.JSON(), nullable=False),
    sa.Column('eft_data', sa.JSON(), nullable=False),
    sa.Column('capture_status_code', sa.String(length=32), nullable=False),
    sa.Column('capture_status_message', sa.String(length=255), nullable=True),
    sa.Column('last_updated', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('object', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_financial_advice_confirmations_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financial_advice_confirmations')),
    sa.UniqueConstraint('platform_id', 'fac_id', name=op.f('uq_financial_advice_confirmations_platform_id_fac_id'))
    )
    with op.batch_alter_table('financial_advice_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financial_advice_confirmations_authorization_reference'), ['authorization_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_financial_advice_confirmations_platform_id'), ['platform_id'], unique=False)

    op.create_table('terminals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('city', sa.String(length=255), nullable=True),
    sa.Column('postal_code', sa.String(length=16), nullable=True),
    sa.Column('state', sa.String(length=255), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=10, scale=7), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=11, scale=7), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('roaming_id', sa.String(length=36), nullable=True),
    sa.Column('roaming_reference', sa.String(length=36), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('customer_reference', sa.String(length=36), nullable=True),
    sa.Column('invoice_base_url', sa.String(length=255), nullable=True),
    sa.Column('invoice_creator', sa.String(length=8), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('connector_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('synced', sa.JSON(), nullable=True),
    sa.Column('roaming_last_updated', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_terminals_area_id_areas')),
    sa.ForeignKeyConstraint(['connector_id'], ['connectors.id'], name=op.f('fk_terminals_connector_id_connectors')),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_terminals_operator_id_operators')),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_terminals_platform_id_roaming_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terminals')),
    sa.UniqueConstraint('code', name=op.f('uq_terminals_code')),
    sa.UniqueConstraint('platform_id', 'roaming_id', name=op.f('uq_terminals_platform_id_roaming_id'))
    )
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terminals_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_terminals_connector_id'), ['connector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_terminals_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_terminals_platform_id'), ['platform_id'], unique=False)

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('monetary_limit', sa.Numeric(precision=14, scale=4), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('monetary_limit')

    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terminals_platform_id'))
        batch_op.drop_index(batch_op.f('ix_terminals_operator_id'))
        batch_op.drop_index(batch_op.f('ix_terminals_connector_id'))
        batch_op.drop_index(batch_op.f('ix_terminals_area_id'))

    op.drop_table('terminals')
    with op.batch_alter_table('financial_advice_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_financial_advice_confirmations_platform_id'))
        batch_op.drop_index(batch_op.f('ix_financial_advice_confirmations_authorization_reference'))

    op.drop_table('financial_advice_confirmations')

"""csms sessions and ocpp log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 05:06:34.266608
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ocpp_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('message_type', sa.Integer(), nullable=False),
    sa.Column('unique_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_ocpp_messages_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ocpp_messages'))
    )
    with op.batch_alter_table('ocpp_messages', schema=None) as batch_op:
        batch_op.create_index('ix_ocpp_messages_station_at', ['station_id', 'at'], unique=False)

    op.create_table('station_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=48), nullable=False),
    sa.Column('at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_station_events_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_events'))
    )
    with op.batch_alter_table('station_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_events_station_id'), ['station_id'], unique=False)

    op.create_table('transaction_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.String(length=64), nullable=False),
    sa.Column('seq_no', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=16), nullable=False),
    sa.Column('at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('received_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_transaction_events_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transaction_events')),
    sa.UniqueConstraint('station_id', 'transaction_id', 'seq_no', name=op.f('uq_transaction_events_station_id_transaction_id_seq_no'))
    )
    with op.batch_alter_table('transaction_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transaction_events_station_id'), ['station_id'], unique=False)

    op.create_table('connector_status_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('charger_id', sa.Integer(), nullable=True),
    sa.Column('connector_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('vendor_error_code', sa.String(length=255), nullable=True),
    sa.Column('info', sa.String(length=255), nullable=True),
    sa.Column('at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['charger_id'], ['chargers.id'], name=op.f('fk_connector_status_events_charger_id_chargers')),
    sa.ForeignKeyConstraint(['connector_id'], ['connectors.id'], name=op.f('fk_connector_status_events_connector_id_connectors')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_connector_status_events_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connector_status_events'))
    )
    with op.batch_alter_table('connector_status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connector_status_events_charger_id'), ['charger_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_connector_status_events_connector_id'), ['connector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_connector_status_events_station_id'), ['station_id'], unique=False)

    op.create_table('sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('charger_id', sa.Integer(), nullable=True),
    sa.Column('connector_id', sa.Integer(), nullable=True),
    sa.Column('transaction_id', sa.String(length=64), nullable=True),
    sa.Column('id_token', sa.String(length=255), nullable=True),
    sa.Column('id_token_type', sa.String(length=32), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('authorization_mode', sa.String(length=24), nullable=False),
    sa.Column('authorization_reference', sa.String(length=64), nullable=True),
    sa.Column('remote_start_id', sa.Integer(), nullable=True),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('started_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('charging_ended_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_event_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('stop_requested_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('stop_reason', sa.String(length=64), nullable=True),
    sa.Column('limit_reason', sa.String(length=16), nullable=True),
    sa.Column('meter_start_wh', sa.Numeric(precision=16, scale=3), nullable=True),
    sa.Column('energy_wh', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('reading_type', sa.String(length=16), nullable=False),
    sa.Column('last_valid_reading_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('charge_time_s', sa.Integer(), nullable=False),
    sa.Column('park_time_s', sa.Integer(), nullable=False),
    sa.Column('fault_time_s', sa.Integer(), nullable=False),
    sa.Column('reservation_time_s', sa.Integer(), nullable=False),
    sa.Column('duration_scope', sa.String(length=16), nullable=True),
    sa.Column('scope_since', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.ForeignKeyConstraint(['charger_id'], ['chargers.id'], name=op.f('fk_sessions_charger_id_chargers')),
    sa.ForeignKeyConstraint(['connector_id'], ['connectors.id'], name=op.f('fk_sessions_connector_id_connectors')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_sessions_customer_id_customers')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_sessions_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    sa.UniqueConstraint('station_id', 'transaction_id', name=op.f('uq_sessions_station_id_transaction_id'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_charger_id'), ['charger_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_connector_id'), ['connector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_status'), ['status'], unique=False)

    op.create_table('session_meter_values',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('connector_ref', sa.Integer(), nullable=True),
    sa.Column('at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('measurand', sa.String(length=64), nullable=False),
    sa.Column('phase', sa.String(length=8), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('context', sa.String(length=32), nullable=True),
    sa.Column('location', sa.String(length=16), nullable=True),
    sa.Column('value', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_meter_values_session_id_sessions')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_session_meter_values_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_meter_values'))
    )
    with op.batch_alter_table('session_meter_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_meter_values_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_meter_values_station_id'), ['station_id'], unique=False)

    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ocpp_leniency', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_column('password_hash')
        batch_op.drop_column('ocpp_leniency')

    with op.batch_alter_table('session_meter_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_meter_values_station_id'))
        batch_op.drop_index(batch_op.f('ix_session_meter_values_session_id'))

    op.drop_table('session_meter_values')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_status'))
        batch_op.drop_index(batch_op.f('ix_sessions_station_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_customer_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_created_at'))
        batch_op.drop_index(batch_op.f('ix_sessions_connector_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_charger_id'))

    op.drop_table('sessions')
    with op.batch_alter_table('connector_status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connector_status_events_station_id'))
        batch_op.drop_index(batch_op.f('ix_connector_status_events_connector_id'))
        batch_op.drop_index(batch_op.f('ix_connector_status_events_charger_id'))

    op.drop_table('connector_status_events')
    with op.batch_alter_table('transaction_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transaction_events_station_id'))

    op.drop_table('transaction_events')
    with op.batch_alter_table('station_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_events_station_id'))

    op.drop_table('station_events')
    with op.batch_alter_table('ocpp_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_ocpp_messages_station_at')

    op.drop_table('ocpp_messages')

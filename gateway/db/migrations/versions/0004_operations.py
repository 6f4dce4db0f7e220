"""operations: transfers, device model reports, local lists, reservations, charging
profiles, area load balancing, configuration templates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 05:28:12.544249
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('charging_profiles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charging_profiles')),
    sa.UniqueConstraint('code', name=op.f('uq_charging_profiles_code'))
    )
    op.create_table('configuration_templates',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_configuration_templates')),
    sa.UniqueConstraint('code', name=op.f('uq_configuration_templates_code'))
    )
    op.create_table('area_load_balancing',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_load_balancing_area_id_areas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('area_id', name=op.f('pk_area_load_balancing'))
    )
    op.create_table('configuration_setting_results',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('template_code', sa.String(length=64), nullable=False),
    sa.Column('batch', sa.Integer(), nullable=False),
    sa.Column('parameter', sa.String(length=110), nullable=False),
    sa.Column('charger', sa.String(length=64), nullable=True),
    sa.Column('connector', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('applied_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_configuration_setting_results_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_configuration_setting_results'))
    )
    with op.batch_alter_table('configuration_setting_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_configuration_setting_results_station_id'), ['station_id'], unique=False)

    op.create_table('configuration_template_targets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_configuration_template_targets_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_configuration_template_targets_station_id_stations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['configuration_templates.id'], name=op.f('fk_configuration_template_targets_template_id_configuration_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_configuration_template_targets'))
    )
    with op.batch_alter_table('configuration_template_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_configuration_template_targets_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_configuration_template_targets_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_configuration_template_targets_template_id'), ['template_id'], unique=False)

    op.create_table('device_model_reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('report_base', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('requested_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_device_model_reports_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_model_reports'))
    )
    with op.batch_alter_table('device_model_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_model_reports_station_id'), ['station_id'], unique=False)

    op.create_table('local_auth_lists',
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_local_auth_lists_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('station_id', name=op.f('pk_local_auth_lists'))
    )
    op.create_table('operation_transfers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=512), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('requested_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_operation_transfers_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operation_transfers'))
    )
    with op.batch_alter_table('operation_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operation_transfers_station_id'), ['station_id'], unique=False)

    op.create_table('charger_charging_profiles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('charger_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assigned_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['charger_id'], ['chargers.id'], name=op.f('fk_charger_charging_profiles_charger_id_chargers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['charging_profiles.id'], name=op.f('fk_charger_charging_profiles_profile_id_charging_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charger_charging_profiles')),
    sa.UniqueConstraint('charger_id', 'profile_id', name=op.f('uq_charger_charging_profiles_charger_id_profile_id'))
    )
    with op.batch_alter_table('charger_charging_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charger_charging_profiles_charger_id'), ['charger_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charger_charging_profiles_profile_id'), ['profile_id'], unique=False)

    op.create_table('charger_reservation_rules',
    sa.Column('charger_id', sa.Integer(), nullable=False),
    sa.Column('simultaneous_connectors', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['charger_id'], ['chargers.id'], name=op.f('fk_charger_reservation_rules_charger_id_chargers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('charger_id', name=op.f('pk_charger_reservation_rules'))
    )
    op.create_table('reservations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('charger_id', sa.Integer(), nullable=False),
    sa.Column('connector_id', sa.Integer(), nullable=True),
    sa.Column('whole_charger', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('id_token', sa.String(length=36), nullable=False),
    sa.Column('id_token_type', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('charger_status', sa.String(length=32), nullable=True),
    sa.Column('expires_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['charger_id'], ['chargers.id'], name=op.f('fk_reservations_charger_id_chargers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['connector_id'], ['connectors.id'], name=op.f('fk_reservations_connector_id_connectors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_reservations_session_id_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_reservations_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservations_charger_id'), ['charger_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservations_status'))
        batch_op.drop_index(batch_op.f('ix_reservations_station_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_charger_id'))

    op.drop_table('reservations')
    op.drop_table('charger_reservation_rules')
    with op.batch_alter_table('charger_charging_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charger_charging_profiles_profile_id'))
        batch_op.drop_index(batch_op.f('ix_charger_charging_profiles_charger_id'))

    op.drop_table('charger_charging_profiles')
    with op.batch_alter_table('operation_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operation_transfers_station_id'))

    op.drop_table('operation_transfers')
    op.drop_table('local_auth_lists')
    with op.batch_alter_table('device_model_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_model_reports_station_id'))

    op.drop_table('device_model_reports')
    with op.batch_alter_table('configuration_template_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_configuration_template_targets_template_id'))
        batch_op.drop_index(batch_op.f('ix_configuration_template_targets_station_id'))
        batch_op.drop_index(batch_op.f('ix_configuration_template_targets_area_id'))

    op.drop_table('configuration_template_targets')
    with op.batch_alter_table('configuration_setting_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_configuration_setting_results_station_id'))

    op.drop_table('configuration_setting_results')
    op.drop_table('area_load_balancing')
    op.drop_table('configuration_templates')
    op.drop_table('charging_profiles')

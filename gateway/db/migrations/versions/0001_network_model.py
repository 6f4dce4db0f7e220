"""network model

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 05:02:24.876222
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('code', name=op.f('uq_customers_code'))
    )
    op.create_table('operators',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('organisation', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('state', sa.String(length=255), nullable=True),
    sa.Column('city', sa.String(length=255), nullable=True),
    sa.Column('zip', sa.String(length=16), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('session_rating', sa.JSON(), nullable=True),
    sa.Column('idle_session', sa.JSON(), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operators')),
    sa.UniqueConstraint('code', name=op.f('uq_operators_code'))
    )
    op.create_table('sites',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('session_rating', sa.JSON(), nullable=False),
    sa.Column('idle_session', sa.JSON(), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('code', name=op.f('uq_sites_code'))
    )
    op.create_table('system_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_system_settings'))
    )
    op.create_table('areas',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('city', sa.String(length=255), nullable=True),
    sa.Column('postal_code', sa.String(length=16), nullable=True),
    sa.Column('state', sa.String(length=255), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=10, scale=7), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=11, scale=7), nullable=True),
    sa.Column('support_contact', sa.JSON(), nullable=False),
    sa.Column('roaming_id', sa.String(length=36), nullable=True),
    sa.Column('custom_attributes', sa.JSON(), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_areas_operator_id_operators')),
    sa.ForeignKeyConstraint(['parent_id'], ['areas.id'], name=op.f('fk_areas_parent_id_areas')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_areas_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('code', name=op.f('uq_areas_code')),
    sa.UniqueConstraint('roaming_id', name=op.f('uq_areas_roaming_id'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_areas_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_areas_site_id'), ['site_id'], unique=False)

    op.create_table('id_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('identifier', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_id_tokens_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_id_tokens')),
    sa.UniqueConstraint('code', name=op.f('uq_id_tokens_code')),
    sa.UniqueConstraint('type', 'identifier', name=op.f('uq_id_tokens_type_identifier'))
    )
    with op.batch_alter_table('id_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_id_tokens_customer_id'), ['customer_id'], unique=False)

    op.create_table('roaming_profiles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=8), nullable=False),
    sa.Column('protocol', sa.String(length=8), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('roaming_identifier', sa.String(length=16), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_roaming_profiles_operator_id_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roaming_profiles')),
    sa.UniqueConstraint('code', name=op.f('uq_roaming_profiles_code')),
    sa.UniqueConstraint('protocol', 'country_code', 'roaming_identifier', name=op.f('uq_roaming_profiles_protocol_country_code_roaming_identifier'))
    )
    with op.batch_alter_table('roaming_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roaming_profiles_operator_id'), ['operator_id'], unique=False)

    op.create_table('assets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('electric_current_type', sa.String(length=16), nullable=True),
    sa.Column('power_factor', sa.Numeric(precision=4, scale=3), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_assets_area_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('code', name=op.f('uq_assets_code'))
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_area_id'), ['area_id'], unique=False)

    op.create_table('roaming_platforms',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('roaming_profile_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=8), nullable=False),
    sa.Column('protocol', sa.String(length=8), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('roaming_identifier', sa.String(length=16), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['roaming_profile_id'], ['roaming_profiles.id'], name=op.f('fk_roaming_platforms_roaming_profile_id_roaming_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roaming_platforms')),
    sa.UniqueConstraint('code', name=op.f('uq_roaming_platforms_code')),
    sa.UniqueConstraint('roaming_profile_id', 'country', 'roaming_identifier', name=op.f('uq_roaming_platforms_roaming_profile_id_country_roaming_identifier'))
    )
    with op.batch_alter_table('roaming_platforms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roaming_platforms_roaming_profile_id'), ['roaming_profile_id'], unique=False)

    op.create_table('stations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('visible', sa.Boolean(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('physical_address', sa.String(length=17), nullable=True),
    sa.Column('connection_identifier', sa.String(length=48), nullable=False),
    sa.Column('ocpp_protocol', sa.String(length=8), nullable=False),
    sa.Column('connection_policy', sa.String(length=16), nullable=False),
    sa.Column('boot_configuration', sa.JSON(), nullable=False),
    sa.Column('serial_number', sa.String(length=64), nullable=True),
    sa.Column('model', sa.String(length=64), nullable=True),
    sa.Column('vendor', sa.String(length=64), nullable=True),
    sa.Column('firmware_version', sa.String(length=64), nullable=True),
    sa.Column('modem_iccid', sa.String(length=32), nullable=True),
    sa.Column('modem_imsi', sa.String(length=32), nullable=True),
    sa.Column('connection_state', sa.String(length=16), nullable=False),
    sa.Column('operational_status', sa.String(length=16), nullable=False),
    sa.Column('last_seen_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_stations_area_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stations')),
    sa.UniqueConstraint('code', name=op.f('uq_stations_code')),
    sa.UniqueConstraint('connection_identifier', name=op.f('uq_stations_connection_identifier'))
    )
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stations_area_id'), ['area_id'], unique=False)

    op.create_table('chargers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('evse_id', sa.Integer(), nullable=False),
    sa.Column('physical_address', sa.String(length=17), nullable=True),
    sa.Column('reservable', sa.Boolean(), nullable=False),
    sa.Column('roaming_enabled', sa.Boolean(), nullable=False),
    sa.Column('roaming_id', sa.String(length=36), nullable=True),
    sa.Column('electric_current_type', sa.String(length=16), nullable=False),
    sa.Column('session_rating', sa.JSON(), nullable=True),
    sa.Column('custom_fields', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('operational_status', sa.String(length=16), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_chargers_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chargers')),
    sa.UniqueConstraint('code', name=op.f('uq_chargers_code')),
    sa.UniqueConstraint('roaming_id', name=op.f('uq_chargers_roaming_id')),
    sa.UniqueConstraint('station_id', 'evse_id', name=op.f('uq_chargers_station_id_evse_id'))
    )
    with op.batch_alter_table('chargers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chargers_station_id'), ['station_id'], unique=False)

    op.create_table('connectors',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('charger_id', sa.Integer(), nullable=False),
    sa.Column('ocpp_connector_id', sa.Integer(), nullable=False),
    sa.Column('standard', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('electric_current_type', sa.String(length=16), nullable=True),
    sa.Column('wattage_limit_w', sa.Integer(), nullable=False),
    sa.Column('amperage_limit_a', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('voltage_limit_v', sa.Integer(), nullable=True),
    sa.Column('power_factor', sa.Numeric(precision=4, scale=3), nullable=True),
    sa.Column('roaming_id', sa.String(length=36), nullable=True),
    sa.Column('custom_fields', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['charger_id'], ['chargers.id'], name=op.f('fk_connectors_charger_id_chargers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connectors')),
    sa.UniqueConstraint('charger_id', 'code', name=op.f('uq_connectors_charger_id_code')),
    sa.UniqueConstraint('charger_id', 'ocpp_connector_id', name=op.f('uq_connectors_charger_id_ocpp_connector_id')),
    sa.UniqueConstraint('roaming_id', name=op.f('uq_connectors_roaming_id'))
    )
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connectors_charger_id'), ['charger_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connectors_charger_id'))

    op.drop_table('connectors')
    with op.batch_alter_table('chargers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chargers_station_id'))

    op.drop_table('chargers')
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stations_area_id'))

    op.drop_table('stations')
    with op.batch_alter_table('roaming_platforms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roaming_platforms_roaming_profile_id'))

    op.drop_table('roaming_platforms')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_area_id'))

    op.drop_table('assets')
    with op.batch_alter_table('roaming_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roaming_profiles_operator_id'))

    op.drop_table('roaming_profiles')
    with op.batch_alter_table('id_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_id_tokens_customer_id'))

    op.drop_table('id_tokens')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_site_id'))
        batch_op.drop_index(batch_op.f('ix_areas_parent_id'))
        batch_op.drop_index(batch_op.f('ix_areas_operator_id'))

    op.drop_table('areas')
    op.drop_table('system_settings')
    op.drop_table('sites')
    op.drop_table('operators')
    op.drop_table('customers')

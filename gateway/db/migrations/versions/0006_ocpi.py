"""ocpi

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 05:41:09.201512
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ocpi_client_info',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_updated', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_ocpi_client_info_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ocpi_client_info')),
    sa.UniqueConstraint('platform_id', 'country_code', 'party_id', name=op.f('uq_ocpi_client_info_platform_id_country_code_party_id'))
    )
    with op.batch_alter_table('ocpi_client_info', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocpi_client_info_platform_id'), ['platform_id'], unique=False)

    op.create_table('ocpi_commands',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('command', sa.String(length=24), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('response_url', sa.String(length=2048), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('result', sa.String(length=32), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_ocpi_commands_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ocpi_commands'))
    )
    with op.batch_alter_table('ocpi_commands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocpi_commands_platform_id'), ['platform_id'], unique=False)

    op.create_table('ocpi_credentials',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('registration_token_enc', sa.Text(), nullable=True),
    sa.Column('registration_token_sha256', sa.String(length=64), nullable=True),
    sa.Column('access_token_enc', sa.Text(), nullable=True),
    sa.Column('access_token_sha256', sa.String(length=64), nullable=True),
    sa.Column('partner_registration_token_enc', sa.Text(), nullable=True),
    sa.Column('remote_access_token_enc', sa.Text(), nullable=True),
    sa.Column('send_base64', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('partner_versions_url', sa.String(length=2048), nullable=True),
    sa.Column('version', sa.String(length=8), nullable=True),
    sa.Column('endpoints', sa.JSON(), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=True),
    sa.Column('registered_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_ocpi_credentials_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', name=op.f('pk_ocpi_credentials')),
    sa.UniqueConstraint('access_token_sha256', name=op.f('uq_ocpi_credentials_access_token_sha256')),
    sa.UniqueConstraint('registration_token_sha256', name=op.f('uq_ocpi_credentials_registration_token_sha256'))
    )
    op.create_table('ocpi_published',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=16), nullable=False),
    sa.Column('object_id', sa.String(length=72), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('removed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_ocpi_published_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ocpi_published')),
    sa.UniqueConstraint('platform_id', 'object_type', 'object_id', name=op.f('uq_ocpi_published_platform_id_object_type_object_id'))
    )
    with op.batch_alter_table('ocpi_published', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocpi_published_platform_id'), ['platform_id'], unique=False)

    op.create_table('ocpi_reservations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('reservation_id', sa.String(length=36), nullable=False),
    sa.Column('station_reservation_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_ocpi_reservations_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ocpi_reservations')),
    sa.UniqueConstraint('platform_id', 'country_code', 'party_id', 'reservation_id', name=op.f('uq_ocpi_reservations_platform_id_country_code_party_id_reservation_id'))
    )
    with op.batch_alter_table('ocpi_reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocpi_reservations_platform_id'), ['platform_id'], unique=False)

    op.create_table('ocpi_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('contract_id', sa.String(length=36), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('whitelist', sa.String(length=16), nullable=False),
    sa.Column('token', sa.JSON(), nullable=False),
    sa.Column('last_updated', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_ocpi_tokens_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ocpi_tokens')),
    sa.UniqueConstraint('platform_id', 'country_code', 'party_id', 'uid', 'type', name=op.f('uq_ocpi_tokens_platform_id_country_code_party_id_uid_type'))
    )
    with op.batch_alter_table('ocpi_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocpi_tokens_platform_id'), ['platform_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ocpi_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocpi_tokens_platform_id'))

    op.drop_table('ocpi_tokens')
    with op.batch_alter_table('ocpi_reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocpi_reservations_platform_id'))

    op.drop_table('ocpi_reservations')
    with op.batch_alter_table('ocpi_published', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocpi_published_platform_id'))

    op.drop_table('ocpi_published')
    op.drop_table('ocpi_credentials')
    with op.batch_alter_table('ocpi_commands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocpi_commands_platform_id'))

    op.drop_table('ocpi_commands')
    with op.batch_alter_table('ocpi_client_info', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocpi_client_info_platform_id'))

    op.drop_table('ocpi_client_info')

"""pki and oicp

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 07:18:08.233913
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pki_trust_roots',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=True),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('chain_pem', sa.Text(), nullable=True),
    sa.Column('private_key_enc', sa.Text(), nullable=True),
    sa.Column('subject', sa.String(length=1024), nullable=False),
    sa.Column('fingerprint_sha256', sa.String(length=64), nullable=False),
    sa.Column('not_before', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('not_after', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['pki_trust_roots.id'], name=op.f('fk_pki_trust_roots_issuer_id_pki_trust_roots'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pki_trust_roots')),
    sa.UniqueConstraint('code', name=op.f('uq_pki_trust_roots_code')),
    sa.UniqueConstraint('fingerprint_sha256', name=op.f('uq_pki_trust_roots_fingerprint_sha256'))
    )
    with op.batch_alter_table('pki_trust_roots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pki_trust_roots_not_after'), ['not_after'], unique=False)

    op.create_table('oicp_evse_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('evse_id', sa.String(length=48), nullable=False),
    sa.Column('data_digest', sa.String(length=64), nullable=True),
    sa.Column('data_record', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('data_pushed_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('status_pushed_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_oicp_evse_records_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oicp_evse_records')),
    sa.UniqueConstraint('platform_id', 'evse_id', name=op.f('uq_oicp_evse_records_platform_id_evse_id'))
    )
    with op.batch_alter_table('oicp_evse_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oicp_evse_records_platform_id'), ['platform_id'], unique=False)

    op.create_table('platform_certificates',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=True),
    sa.Column('private_key_enc', sa.Text(), nullable=True),
    sa.Column('csr_pem', sa.Text(), nullable=True),
    sa.Column('csr_key_enc', sa.Text(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=1024), nullable=True),
    sa.Column('fingerprint_sha256', sa.String(length=64), nullable=True),
    sa.Column('not_after', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_platform_certificates_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['pki_trust_roots.id'], name=op.f('fk_platform_certificates_signed_by_id_pki_trust_roots'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_certificates')),
    sa.UniqueConstraint('platform_id', 'role', name=op.f('uq_platform_certificates_platform_id_role'))
    )
    with op.batch_alter_table('platform_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_certificates_not_after'), ['not_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_certificates_platform_id'), ['platform_id'], unique=False)

    op.create_table('oicp_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('hubject_session_id', sa.String(length=64), nullable=False),
    sa.Column('cpo_partner_session_id', sa.String(length=250), nullable=False),
    sa.Column('emp_partner_session_id', sa.String(length=250), nullable=True),
    sa.Column('provider_id', sa.String(length=16), nullable=True),
    sa.Column('evse_id', sa.String(length=48), nullable=False),
    sa.Column('identification', sa.JSON(), nullable=True),
    sa.Column('origin', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('charging_session_id', sa.Integer(), nullable=True),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('partner_product_id', sa.String(length=100), nullable=True),
    sa.Column('last_progress_at', gateway.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('notification', sa.String(length=16), nullable=True),
    sa.Column('cdr_status', sa.String(length=16), nullable=True),
    sa.Column('cdr_detail', sa.Text(), nullable=True),
    sa.Column('status_code', sa.String(length=3), nullable=True),
    sa.Column('created_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['charging_session_id'], ['sessions.id'], name=op.f('fk_oicp_sessions_charging_session_id_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_oicp_sessions_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_oicp_sessions_reservation_id_reservations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oicp_sessions')),
    sa.UniqueConstraint('platform_id', 'hubject_session_id', name=op.f('uq_oicp_sessions_platform_id_hubject_session_id'))
    )
    with op.batch_alter_table('oicp_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oicp_sessions_charging_session_id'), ['charging_session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oicp_sessions_platform_id'), ['platform_id'], unique=False)

    op.create_table('oicp_pricing_pushes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('queued_at', gateway.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['roaming_platforms.id'], name=op.f('fk_oicp_pricing_pushes_platform_id_roaming_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oicp_pricing_pushes')),
    sa.UniqueConstraint('platform_id', name=op.f('uq_oicp_pricing_pushes_platform_id'))
    )


def downgrade() -> None:
    op.drop_table('oicp_pricing_pushes')
    with op.batch_alter_table('oicp_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oicp_sessions_platform_id'))
        batch_op.drop_index(batch_op.f('ix_oicp_sessions_charging_session_id'))

    op.drop_table('oicp_sessions')
    with op.batch_alter_table('platform_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_certificates_platform_id'))
        batch_op.drop_index(batch_op.f('ix_platform_certificates_not_after'))

    op.drop_table('platform_certificates')
    with op.batch_alter_table('oicp_evse_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oicp_evse_records_platform_id'))

    op.drop_table('oicp_evse_records')
    with op.batch_alter_table('pki_trust_roots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pki_trust_roots_not_after'))

    op.drop_table('pki_trust_roots')

"""OCPI 2.3.0: per-platform invoicing choice, a hub's party id, open roles (issue 8)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 08:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ocpi_credentials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cpo_issues_invoices', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('hub_party_id', sa.String(length=5), nullable=True))
    # 2.3.0 roles are open values (PTP, or roles of later versions): no longer 8 characters.
    with op.batch_alter_table('ocpi_client_info', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=sa.String(length=8),
                              type_=sa.String(length=255), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('ocpi_client_info', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=sa.String(length=255),
                              type_=sa.String(length=8), existing_nullable=False)
    with op.batch_alter_table('ocpi_credentials', schema=None) as batch_op:
        batch_op.drop_column('hub_party_id')
        batch_op.drop_column('cpo_issues_invoices')

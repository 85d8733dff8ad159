"""forms in progress kept on the server; receipts shown once and reissued once

Revision ID: 0006_drafts_and_receipt_shown
Revises: 0005_login_throttles
Create Date: 2026-12-02 00:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_drafts_and_receipt_shown'
down_revision = '0005_login_throttles'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_drafts_token_hash'))
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index('ix_drafts_expires_at', ['expires_at'], unique=False)
        batch_op.create_index('ix_drafts_owner', ['owner', 'id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_shown_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('receipt_reissued', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('receipt_reissued')
        batch_op.drop_column('receipt_shown_at')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_drafts_owner')
        batch_op.drop_index('ix_drafts_expires_at')
    op.drop_table('drafts')

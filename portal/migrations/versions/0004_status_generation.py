"""status sessions carry a per-case generation that ends every copy of them

Revision ID: 0004_status_generation
Revises: 0003_purge_pending_index
Create Date: 2026-12-01 23:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_status_generation'
down_revision = '0003_purge_pending_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_generation', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('status_generation')

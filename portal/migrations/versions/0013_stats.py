"""stats: daily counts for the statistics pages, kept when cases are purged

Revision ID: 0013_stats
Revises: 0012_deadlines
Create Date: 2026-12-02 11:00:00

The table starts empty: `flask --app portal stats rebuild` fills it from what the live
tables still hold. History of links and requests of cases purged before this revision is
gone and cannot be recovered; the case rows give filings, first replies and first requests.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_stats'
down_revision = '0012_deadlines'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stat_counts',
        sa.Column('metric', sa.String(length=30), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('shard', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('count', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.PrimaryKeyConstraint('metric', 'day', 'key', 'shard', name=op.f('pk_stat_counts')),
    )


def downgrade():
    op.drop_table('stat_counts')

"""fingerprint matching after the response: when each fingerprint was compared

Revision ID: 0016_fingerprint_matching
Revises: 0015_fingerprints
Create Date: 2026-12-03 08:00:00

Fingerprints are now compared with the others after the victim's page has been sent (so the
time a request takes says nothing about a match), and ``matched_at`` says which ones still
wait. Fingerprints stored before were compared when they arrived: they count as matched then.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_fingerprint_matching'
down_revision = '0015_fingerprints'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fingerprints') as batch:
        batch.add_column(sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE fingerprints SET matched_at = created_at")
    op.create_index('ix_fingerprints_matched_at', 'fingerprints', ['matched_at'])


def downgrade():
    op.drop_index('ix_fingerprints_matched_at', table_name='fingerprints')
    with op.batch_alter_table('fingerprints') as batch:
        batch.drop_column('matched_at')

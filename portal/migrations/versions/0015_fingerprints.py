"""fingerprints: PDQ hashes made on the victim's phone, and the matches between cases

Revision ID: 0015_fingerprints
Revises: 0014_queue_sorts
Create Date: 2026-12-02 20:00:00

The hash itself is sealed like other victim content; the 16 band columns hold keyed hashes
of each 16-bit band, one index each, for multi-index search (portal/evidence/fingerprints.py).
Existing cases start without fingerprints and without consent to share them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_fingerprints'
down_revision = '0014_queue_sorts'
branch_labels = None
depends_on = None

BANDS = 16


def upgrade():
    op.create_table(
        'fingerprints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('pdq', sa.Text(), nullable=False),
        sa.Column('quality', sa.SmallInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        *[sa.Column(f'band_{n}', sa.BigInteger(), nullable=False) for n in range(BANDS)],
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_fingerprints_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fingerprints')),
    )
    with op.batch_alter_table('fingerprints', schema=None) as batch_op:
        for n in range(BANDS):
            batch_op.create_index(f'ix_fingerprints_band_{n}', [f'band_{n}'], unique=False)
        batch_op.create_index(batch_op.f('ix_fingerprints_case_id'), ['case_id'], unique=False)

    op.create_table(
        'fingerprint_matches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint_id', sa.Integer(), nullable=False),
        sa.Column('match_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('match_case_id', sa.Integer(), nullable=False),
        sa.Column('distance', sa.SmallInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_fingerprint_matches_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['fingerprint_id'], ['fingerprints.id'],
                                name=op.f('fk_fingerprint_matches_fingerprint_id_fingerprints'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['match_case_id'], ['cases.id'],
                                name=op.f('fk_fingerprint_matches_match_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['match_id'], ['fingerprints.id'],
                                name=op.f('fk_fingerprint_matches_match_id_fingerprints'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fingerprint_matches')),
        sa.UniqueConstraint('fingerprint_id', 'match_id', name='uq_fingerprint_match'),
    )
    with op.batch_alter_table('fingerprint_matches', schema=None) as batch_op:
        for column in ('case_id', 'match_case_id', 'match_id'):
            batch_op.create_index(batch_op.f(f'ix_fingerprint_matches_{column}'), [column],
                                  unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_fingerprints', sa.Boolean(),
                                      server_default=sa.text('false'), nullable=False))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('share_fingerprints')
    with op.batch_alter_table('fingerprint_matches', schema=None) as batch_op:
        for column in ('match_id', 'match_case_id', 'case_id'):
            batch_op.drop_index(batch_op.f(f'ix_fingerprint_matches_{column}'))
    op.drop_table('fingerprint_matches')
    with op.batch_alter_table('fingerprints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fingerprints_case_id'))
        for n in reversed(range(BANDS)):
            batch_op.drop_index(f'ix_fingerprints_band_{n}')
    op.drop_table('fingerprints')

"""audit entries keyed by their writers and sealed by a sequencer; sharded status counts

Revision ID: 0007_keyed_audit_and_shards
Revises: 0006_drafts_and_receipt_shown
Create Date: 2026-12-02 03:30:00

Existing entries keep their unkeyed SHA-256 links and get their place in the chain as
``seq``; the first keyed entry links to their head, so they stay covered. Existing counts
move to shard 0 of each status.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_keyed_audit_and_shards'
down_revision = '0006_drafts_and_receipt_shown'
branch_labels = None
depends_on = None

SHARDS = 16


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nonce', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('entry_mac', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_entry_mac'), ['entry_mac'])
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_seq'), ['seq'])
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_mac', sa.String(length=64), nullable=True))
    # Legacy entries were appended under the head's lock, so id order is chain order.
    connection = op.get_bind()
    connection.execute(sa.text(
        'UPDATE audit_log SET seq = numbered.position FROM '
        '(SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS position FROM audit_log) AS numbered '
        'WHERE audit_log.id = numbered.id'
    ))
    legacy = connection.execute(sa.text('SELECT COUNT(*) FROM audit_log')).scalar()
    if legacy:
        # Kept outside the database, so nobody can later pass the keyed trail off as legacy.
        print(f'0007: {legacy} audit entries keep their unkeyed links; '
              f'set PORTAL_AUDIT_LEGACY_ENTRIES={legacy} on every instance')

    counts = dict(connection.execute(sa.text('SELECT status, cases FROM status_counts')).all())
    op.drop_table('status_counts')
    table = op.create_table('status_counts',
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('shard', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status', 'shard', name=op.f('pk_status_counts'))
    )
    op.bulk_insert(table, [
        {'status': status, 'shard': shard, 'cases': cases if shard == 0 else 0}
        for status, cases in counts.items()
        for shard in range(SHARDS)
    ])


def downgrade():
    connection = op.get_bind()
    keyed = connection.execute(
        sa.text('SELECT COUNT(*) FROM audit_log WHERE entry_mac IS NOT NULL OR seq IS NULL')
    ).scalar()
    if keyed:
        # The old code cannot verify keyed entries, and deleting them would destroy the
        # record; restore a backup from before the upgrade instead.
        raise RuntimeError(
            f'{keyed} audit entries use the keyed chain; refusing to downgrade past 0007'
        )
    counts = dict(connection.execute(
        sa.text('SELECT status, SUM(cases) FROM status_counts GROUP BY status')
    ).all())
    op.drop_table('status_counts')
    table = op.create_table('status_counts',
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status', name=op.f('pk_status_counts'))
    )
    op.bulk_insert(table, [{'status': s, 'cases': int(c or 0)} for s, c in counts.items()])
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_seq'), type_='unique')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('head_mac')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_entry_mac'), type_='unique')
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('seq')
        batch_op.drop_column('entry_mac')
        batch_op.drop_column('nonce')

"""the takedown desk: targets, takedown requests, link events, rechecks

Revision ID: 0010_takedown_desk
Revises: 0009_receipt_check_minors
Create Date: 2026-12-02 05:50:00

Links filed before this version have no target yet: a migration cannot open their sealed
addresses, so run `flask --app portal targets backfill` after upgrading (it also schedules a
recheck for links already marked removed).
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_takedown_desk'
down_revision = '0009_receipt_check_minors'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('link_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('open_links', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('case_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_link_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targets')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_targets_key_hash'))
    )
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index('ix_targets_by_cases', ['case_count', 'open_links', 'id'], unique=False)
        batch_op.create_index('ix_targets_by_open_links', ['open_links', 'case_count', 'id'], unique=False)

    op.create_table('target_states',
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('links', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_target_states_target_id_targets')),
    sa.PrimaryKeyConstraint('target_id', 'state', name=op.f('pk_target_states'))
    )
    op.create_table('takedown_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('link_count', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_takedown_requests_staff_id_staff')),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_takedown_requests_target_id_targets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_requests')),
    sa.UniqueConstraint('token', name=op.f('uq_takedown_requests_token'))
    )
    with op.batch_alter_table('takedown_requests', schema=None) as batch_op:
        batch_op.create_index('ix_takedown_requests_platform', ['platform', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_requests_target_id'), ['target_id'], unique=False)

    op.create_table('link_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_link_events_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['links.id'], name=op.f('fk_link_events_link_id_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['takedown_requests.id'], name=op.f('fk_link_events_request_id_takedown_requests')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_link_events_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_events'))
    )
    with op.batch_alter_table('link_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_events_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_link_events_link', ['link_id', 'id'], unique=False)
        batch_op.create_index('ix_link_events_request', ['request_id', 'kind'], unique=False)

    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recheck_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recheck_round', sa.SmallInteger(), server_default=sa.text('0'), nullable=False))
        batch_op.create_index('ix_links_recheck_due', ['recheck_due_at', 'id'], unique=False, postgresql_where=sa.text('recheck_due_at IS NOT NULL'), sqlite_where=sa.text('recheck_due_at IS NOT NULL'))
        batch_op.create_index('ix_links_target', ['target_id', 'id'], unique=False)
        batch_op.drop_index('ix_links_url_hash')
        batch_op.drop_index('ix_links_source_hash')
        batch_op.create_index('ix_links_url_case', ['url_hash', 'case_id'], unique=False)
        batch_op.create_index('ix_links_source_case', ['source_hash', 'case_id'], unique=False)
        batch_op.create_index('ix_links_target_state', ['target_id', 'takedown_status', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_links_last_request_id_takedown_requests'), 'takedown_requests', ['last_request_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_links_target_id_targets'), 'targets', ['target_id'], ['id'])
    waiting = op.get_bind().execute(sa.text('SELECT count(*) FROM links')).scalar()
    if waiting:
        print(
            f"0010: {waiting} links filed before targets existed have none yet; "
            "run `flask --app portal targets backfill` now."
        )


def downgrade():
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_links_target_id_targets'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_links_last_request_id_takedown_requests'), type_='foreignkey')
        batch_op.drop_index('ix_links_target_state')
        batch_op.drop_index('ix_links_target')
        batch_op.drop_index('ix_links_source_case')
        batch_op.drop_index('ix_links_url_case')
        batch_op.create_index('ix_links_url_hash', ['url_hash'], unique=False)
        batch_op.create_index('ix_links_source_hash', ['source_hash'], unique=False)
        batch_op.drop_index('ix_links_recheck_due', postgresql_where=sa.text('recheck_due_at IS NOT NULL'), sqlite_where=sa.text('recheck_due_at IS NOT NULL'))
        batch_op.drop_column('recheck_round')
        batch_op.drop_column('recheck_due_at')
        batch_op.drop_column('requested_at')
        batch_op.drop_column('last_request_id')
        batch_op.drop_column('target_id')

    with op.batch_alter_table('link_events', schema=None) as batch_op:
        batch_op.drop_index('ix_link_events_request')
        batch_op.drop_index('ix_link_events_link')
        batch_op.drop_index(batch_op.f('ix_link_events_case_id'))

    op.drop_table('link_events')
    with op.batch_alter_table('takedown_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_takedown_requests_target_id'))
        batch_op.drop_index('ix_takedown_requests_platform')

    op.drop_table('takedown_requests')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index('ix_targets_by_open_links')
        batch_op.drop_index('ix_targets_by_cases')

    op.drop_table('target_states')
    op.drop_table('targets')

"""the outbox: e-mail waits in a table, sealed, until a worker sends it

Revision ID: 0011_outbox
Revises: 0010_takedown_desk
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_outbox'
down_revision = '0010_takedown_desk'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_token', sa.String(length=32), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=120), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff.id'], name=op.f('fk_outbox_messages_created_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('token', name=op.f('uq_outbox_messages_token'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_due', ['state', 'next_attempt_at', 'id'], unique=False)
        batch_op.create_index('ix_outbox_messages_lease', ['state', 'lease_until'], unique=False)

    op.create_table('outbox_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('smtp_code', sa.SmallInteger(), nullable=True),
    sa.Column('error', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_outbox_attempts_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attempts'))
    )
    with op.batch_alter_table('outbox_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attempts_message_id'), ['message_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attempts_message_id'))
    op.drop_table('outbox_attempts')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_lease')
        batch_op.drop_index('ix_outbox_messages_due')
    op.drop_table('outbox_messages')

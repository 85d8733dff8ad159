"""deadlines: when a case's first reply and first takedown request are due and were met;
staff can turn their alert e-mails off

Revision ID: 0012_deadlines
Revises: 0011_outbox
Create Date: 2026-12-02 10:30:00

Existing cases get their dates from what they hold: the first staff message, the earliest
takedown request on their links, and deadlines at the default hours (4, 24 and 72 by
priority); open cases get ``due_at``. Settings changed later apply to new filings and to
cases whose priority staff change.
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

from portal.models.types import UTCDateTime


revision = '0012_deadlines'
down_revision = '0011_outbox'
branch_labels = None
depends_on = None

HOURS = {'urgent': 4, 'high': 24, 'normal': 72}
OPEN = ('new', 'triage', 'in_progress', 'waiting', 'monitoring')
COLUMNS = ('response_due_at', 'request_due_at', 'first_response_at', 'first_request_at',
           'due_at', 'alerted_due_at')


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_due', ['due_at', 'id'], unique=False,
                              postgresql_where=sa.text('due_at IS NOT NULL'),
                              sqlite_where=sa.text('due_at IS NOT NULL'))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alerts_enabled', sa.Boolean(),
                                      server_default=sa.text('true'), nullable=False))
    _backfill()


def _backfill():
    op.execute(
        "UPDATE cases SET first_response_at = (SELECT MIN(messages.created_at) FROM messages "
        "WHERE messages.case_id = cases.id AND messages.sender = 'staff')"
    )
    op.execute(
        "UPDATE cases SET first_request_at = (SELECT MIN(links.requested_at) FROM links "
        "WHERE links.case_id = cases.id)"
    )
    bind = op.get_bind()
    cases = sa.table(
        'cases', sa.column('id', sa.Integer), sa.column('status', sa.String),
        sa.column('priority', sa.String), sa.column('consent_takedown', sa.Boolean),
        *(sa.column(name, UTCDateTime) for name in ('created_at', *COLUMNS)),
    )
    links = sa.table('links', sa.column('case_id', sa.Integer))
    has_links = sa.exists().where(links.c.case_id == cases.c.id)
    after = 0
    while True:
        rows = bind.execute(
            sa.select(cases.c.id, cases.c.status, cases.c.priority, cases.c.created_at,
                      cases.c.first_response_at, cases.c.first_request_at,
                      (cases.c.consent_takedown & has_links).label('owes_request'))
            .where(cases.c.id > after).order_by(cases.c.id).limit(1000)
        ).all()
        if not rows:
            break
        values = []
        for row in rows:
            hours = timedelta(hours=HOURS.get(row.priority, 72))
            response_due = row.created_at + hours
            request_due = row.created_at + hours if row.owes_request else None
            pending = [due for due, met in ((response_due, row.first_response_at),
                                            (request_due, row.first_request_at))
                       if due is not None and met is None]
            due = min(pending) if pending and row.status in OPEN else None
            values.append({'row_id': row.id, 'response': response_due,
                           'request': request_due, 'due': due})
        bind.execute(
            cases.update().where(cases.c.id == sa.bindparam('row_id')).values(
                response_due_at=sa.bindparam('response'),
                request_due_at=sa.bindparam('request'), due_at=sa.bindparam('due')),
            values,
        )
        after = rows[-1].id


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('alerts_enabled')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_due', postgresql_where=sa.text('due_at IS NOT NULL'),
                            sqlite_where=sa.text('due_at IS NOT NULL'))
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)

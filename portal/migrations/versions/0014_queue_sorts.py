"""queue sorts: indexes so every order of the open queue reads an index range

Revision ID: 0014_queue_sorts
Revises: 0013_stats
Create Date: 2026-12-02 11:00:00

The queue sorts open cases by priority (ix_cases_open_queue), by deadline (ix_cases_open_due
for dated cases, then ix_cases_open_undated for the rest, by id), by filing time
(ix_cases_open_created) and by last activity (ix_cases_open_activity). Each is partial, over
the open statuses only, so closed cases never widen it. ix_cases_open_due repeats the
condition the deadline order writes (open and dated) so PostgreSQL reads it in order instead
of sorting every dated case (ix_cases_due, over dated cases alone, stays for the alerts).
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_queue_sorts'
down_revision = '0013_stats'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'triage', 'in_progress', 'waiting', 'monitoring')"
UNDATED = OPEN + " AND due_at IS NULL"
DATED = OPEN + " AND due_at IS NOT NULL"
INDEXES = (
    ('ix_cases_open_due', ['due_at', 'id'], DATED),
    ('ix_cases_open_created', ['created_at', 'id'], OPEN),
    ('ix_cases_open_activity', ['last_activity_at', 'id'], OPEN),
    ('ix_cases_open_undated', ['id'], UNDATED),
)


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name, columns, where in INDEXES:
            batch_op.create_index(name, columns, unique=False,
                                  postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name, _columns, where in reversed(INDEXES):
            batch_op.drop_index(name, postgresql_where=sa.text(where),
                                sqlite_where=sa.text(where))

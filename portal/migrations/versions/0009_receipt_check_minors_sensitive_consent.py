"""receipts tied to their case; minors are under 19; separate consent for sensitive data

Revision ID: 0009_receipt_check_minors
Revises: 0008_pdf_pages
Create Date: 2026-12-02 05:00:00

Age bands: "14 to 17" becomes "14 to 18" (everyone in it is still a minor). "18 or older"
and "No, 18 or older" keep their codes and meaning, shown to staff as asked before the line
moved to 19, since nobody can tell which of those people were 18.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_receipt_check_minors'
down_revision = '0008_pdf_pages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_check', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('consent_sensitive', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.execute("UPDATE cases SET age_band = '14to18' WHERE age_band = '14to17'")


def downgrade():
    op.execute("UPDATE cases SET age_band = '14to17' WHERE age_band = '14to18'")
    op.execute("UPDATE cases SET age_band = 'adult' WHERE age_band = '19plus'")
    op.execute("UPDATE cases SET minor_in_content = 'no' WHERE minor_in_content = 'no19'")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('consent_sensitive')
        batch_op.drop_column('receipt_check')

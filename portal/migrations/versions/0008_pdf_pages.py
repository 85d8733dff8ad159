"""PDFs become page images: page rows point at their sealed original

Revision ID: 0008_pdf_pages
Revises: 0007_keyed_audit_and_shards
Create Date: 2026-12-03 00:10:00

PDFs stored by earlier versions keep conversion NULL ("not converted yet"): staff see
that instead of the file, and `flask --app portal files convert-pdfs` renders them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_pdf_pages'
down_revision = '0007_keyed_audit_and_shards'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('page_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('page_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('conversion', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_files_source_id'), ['source_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_evidence_files_source_id_evidence_files'),
            'evidence_files', ['source_id'], ['id'], ondelete='CASCADE',
        )


def downgrade():
    # Page rows have no meaning without the columns; their sealed files are swept by purge.
    op.execute("DELETE FROM evidence_files WHERE source_id IS NOT NULL")
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_files_source_id_evidence_files'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evidence_files_source_id'))
        batch_op.drop_column('conversion')
        batch_op.drop_column('page_count')
        batch_op.drop_column('page_number')
        batch_op.drop_column('source_id')

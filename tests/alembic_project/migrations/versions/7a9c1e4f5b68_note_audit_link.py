"""note audit link

Revision ID: 7a9c1e4f5b68
Revises: 4d8e3b6c0f12
"""
from alembic import op
import sqlalchemy as sa

revision = "7a9c1e4f5b68"
down_revision = "4d8e3b6c0f12"
branch_labels = None
depends_on = "5e2a7c9d1b36"


def upgrade():
    op.add_column("note", sa.Column("audit_id", sa.BigInteger))
    op.create_foreign_key("fk_note_audit", "note", "audit_log", ["audit_id"], ["id"])


def downgrade():
    op.drop_constraint("fk_note_audit", "note", type_="foreignkey")
    op.drop_column("note", "audit_id")

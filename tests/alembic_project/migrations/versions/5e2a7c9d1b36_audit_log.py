"""audit log

Revision ID: 5e2a7c9d1b36
Revises: 1a0c5e7f3b21
"""
from alembic import op
import sqlalchemy as sa

revision = "5e2a7c9d1b36"
down_revision = "1a0c5e7f3b21"
branch_labels = ("audit",)
depends_on = None


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("account_id", sa.Integer),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )


def downgrade():
    op.drop_table("audit_log")

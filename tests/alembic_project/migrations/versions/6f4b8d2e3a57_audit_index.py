"""audit index

Revision ID: 6f4b8d2e3a57
Revises: 5e2a7c9d1b36
"""
from alembic import op

revision = "6f4b8d2e3a57"
down_revision = "5e2a7c9d1b36"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_log_account_at", "audit_log", ["account_id", "at"])


def downgrade():
    op.drop_index("ix_audit_log_account_at", table_name="audit_log")

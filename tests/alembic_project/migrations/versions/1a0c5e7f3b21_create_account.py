"""create account and legacy import

Revision ID: 1a0c5e7f3b21
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "1a0c5e7f3b21"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("email", sa.String(100), unique=True),
        sa.Column("status", sa.Enum("active", "closed", name="account_status"),
                  nullable=False, server_default="active"),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now()),
    )
    op.create_index("ix_account_name", "account", ["name"])
    op.create_table(
        "legacy_import",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("payload", sa.Text),
    )


def downgrade():
    op.drop_table("legacy_import")
    op.drop_index("ix_account_name", table_name="account")
    op.drop_table("account")
    op.execute("DROP TYPE account_status")

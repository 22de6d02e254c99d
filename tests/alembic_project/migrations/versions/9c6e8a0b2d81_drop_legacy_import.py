"""drop legacy import; unique names

Revision ID: 9c6e8a0b2d81
Revises: 8b3d5f7a9c70
"""
from alembic import op
import sqlalchemy as sa

revision = "9c6e8a0b2d81"
down_revision = "8b3d5f7a9c70"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("legacy_import")
    op.drop_index("ix_account_name", table_name="account")
    op.create_unique_constraint("uq_account_name", "account", ["name"])


def downgrade():
    op.drop_constraint("uq_account_name", "account", type_="unique")
    op.create_index("ix_account_name", "account", ["name"])
    op.create_table(
        "legacy_import",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("payload", sa.Text),
    )

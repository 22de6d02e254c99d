"""seed accounts, backfill scores

Revision ID: 4d8e3b6c0f12
Revises: 3c1f2a8b9d45
"""
from alembic import op
import sqlalchemy as sa

revision = "4d8e3b6c0f12"
down_revision = "3c1f2a8b9d45"
branch_labels = None
depends_on = None

account = sa.table(
    "account",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("email", sa.String),
    sa.column("status", sa.String),
    sa.column("created_at", sa.String),
)


def upgrade():
    op.bulk_insert(account, [
        {"id": 1, "name": "Ada", "email": "ada@example.org", "status": "active",
         "created_at": "2024-01-02 03:04:05"},
        {"id": 2, "name": "O'Brien", "email": "obrien@example.org", "status": "closed",
         "created_at": "2024-01-02 03:04:05"},
    ])
    op.execute("UPDATE account SET score = 10 WHERE status = 'active'")


def downgrade():
    op.execute("DELETE FROM account WHERE email LIKE '%@example.org'")

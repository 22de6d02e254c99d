"""merge audit into main

Revision ID: 8b3d5f7a9c70
Revises: 7a9c1e4f5b68, 6f4b8d2e3a57
"""
from alembic import op

revision = "8b3d5f7a9c70"
down_revision = ("7a9c1e4f5b68", "6f4b8d2e3a57")
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE VIEW account_activity AS
        SELECT a.id, a.name, count(l.id) AS events
          FROM account a LEFT JOIN audit_log l ON l.account_id = a.id
         GROUP BY a.id, a.name
    """)


def downgrade():
    op.execute("DROP VIEW account_activity")

"""account nickname and notes

Revision ID: 2b7d9e1a4c03
Revises: 1a0c5e7f3b21
"""
from alembic import op
import sqlalchemy as sa

revision = "2b7d9e1a4c03"
down_revision = "1a0c5e7f3b21"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("account", sa.Column("nickname", sa.String(30)))
    op.alter_column("account", "name", type_=sa.String(100), existing_type=sa.String(50),
                    existing_nullable=False)
    op.create_table(
        "note",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.CheckConstraint("length(body) > 0", name="ck_note_body_nonempty"),
    )
    op.create_index("ix_note_account", "note", ["account_id"])


def downgrade():
    op.drop_index("ix_note_account", table_name="note")
    op.drop_table("note")
    op.alter_column("account", "name", type_=sa.String(50), existing_type=sa.String(100),
                    existing_nullable=False)
    op.drop_column("account", "nickname")

"""batch: score, email required, no nickname

Revision ID: 3c1f2a8b9d45
Revises: 2b7d9e1a4c03
"""
from alembic import op
import sqlalchemy as sa

revision = "3c1f2a8b9d45"
down_revision = "2b7d9e1a4c03"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account") as batch_op:
        batch_op.add_column(sa.Column("score", sa.Integer, nullable=False, server_default="0"))
        batch_op.alter_column("email", existing_type=sa.String(100), nullable=False)
        batch_op.drop_column("nickname")


def downgrade():
    with op.batch_alter_table("account") as batch_op:
        batch_op.add_column(sa.Column("nickname", sa.String(30)))
        batch_op.alter_column("email", existing_type=sa.String(100), nullable=True)
        batch_op.drop_column("score")

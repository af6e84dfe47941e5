"""A chat turn keeps its question's embedding (and the model's name), so the next turn of the conversation, on
whichever worker, reads the previous question's vector instead of embedding it again.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_turns") as batch:
        batch.add_column(sa.Column("question_vector", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("vector_model", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("chat_turns") as batch:
        batch.drop_column("vector_model")
        batch.drop_column("question_vector")

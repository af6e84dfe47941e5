"""Quiz practice that teaches: staff retire items (quiz_item_status); "quiz me" questions asked in a conversation
(quiz_chat_links, each the one-item quiz session that grades the learner's reply); how far up the hint ladder a
learner went on an item (quiz_hint_uses).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiz_item_status",
        sa.Column("course_id", sa.String(100), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("retired", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "quiz_chat_links",
        sa.Column("quiz_session_id", sa.String(64), sa.ForeignKey("quiz_sessions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("chat_session_id", sa.String(64), nullable=False, index=True),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("hints", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "quiz_hint_uses",
        sa.Column("session_id", sa.String(64), sa.ForeignKey("quiz_sessions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("steps", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quiz_hint_uses")
    op.drop_table("quiz_chat_links")
    op.drop_table("quiz_item_status")

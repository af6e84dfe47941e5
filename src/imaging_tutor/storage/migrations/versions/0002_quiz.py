"""Quizzes: quiz banks and their items, quiz sessions, attempts (unique per session and item), review cards.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiz_banks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("course_id", sa.String(100), nullable=False),
        sa.Column("course_version", sa.String(50), nullable=False),
        sa.Column("spec_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "quiz_bank_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("quiz_id", sa.String(64), sa.ForeignKey("quiz_banks.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("ref", sa.String(20), nullable=False, index=True),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("item_json", sa.Text, nullable=False),
        sa.Column("stale", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("quiz_id", "item_id", name="uq_quiz_bank_items_quiz_item"),
    )
    op.create_table(
        "quiz_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("learner_id", sa.String(100), nullable=False, index=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("chapter", sa.Integer, nullable=True),
        sa.Column("quiz_id", sa.String(64), nullable=True),
        sa.Column("items_json", sa.Text, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(64), sa.ForeignKey("quiz_sessions.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("learner_id", sa.String(100), nullable=False, index=True),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(20), nullable=False, index=True),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("verdict", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "item_id", name="uq_quiz_attempts_session_item"),
    )
    op.create_table(
        "quiz_review_cards",
        sa.Column("learner_id", sa.String(100), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("ref", sa.String(20), nullable=False),
        sa.Column("item_json", sa.Text, nullable=False),
        sa.Column("card_json", sa.Text, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("lapses", sa.Integer, nullable=False),
        sa.Column("reviews", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("quiz_review_cards", "quiz_attempts", "quiz_sessions", "quiz_bank_items", "quiz_banks"):
        op.drop_table(table)

"""Several courses in one database: conversations, feedback, quiz sessions, attempts, review cards and eval runs
each belong to a course (quiz banks already do). Existing rows get the deployment's default course (the one they
were made in: before this revision a deployment served one course).

The default course id is handed over by imaging_tutor.storage.db.migrate() (the course in TUTOR_CORPUS_DIR or
TUTOR_DEFAULT_COURSE); without one, the only course that has an index, else 'default'. It stays the column's server
default, so a row inserted without a course (an older process during a rolling upgrade) lands in the default course
rather than failing.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("chat_sessions", "feedback", "quiz_sessions", "quiz_attempts", "quiz_review_cards", "eval_runs")


def _default_course() -> str:
    given = context.config.attributes.get("default_course_id")
    if given:
        return given
    ids = [r[0] for r in op.get_bind().execute(sa.text("SELECT course_id FROM index_state"))]
    return ids[0] if len(ids) == 1 else "default"


def upgrade() -> None:
    default = _default_course()
    for table in TABLES:
        # ADD COLUMN … NOT NULL DEFAULT fills every existing row on SQLite and PostgreSQL alike, without the table
        # rebuild a batch operation would do on SQLite (which, with foreign keys on, would cascade-delete turns).
        op.add_column(table, sa.Column("course_id", sa.String(100), nullable=False, server_default=default))
        op.create_index(f"ix_{table}_course_id", table, ["course_id"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(f"ix_{table}_course_id", table_name=table)
        op.drop_column(table, "course_id")  # native on PostgreSQL and SQLite ≥ 3.35: no table rebuild

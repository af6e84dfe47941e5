"""One rating per learner and turn: remove duplicate feedback rows (the newest of each stays), then a unique
constraint on (turn_id, learner_id) so concurrent posts upsert one row.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # GROUP BY puts every NULL learner (ratings sent without a learner) in one group, on SQLite and PostgreSQL.
    op.get_bind().execute(sa.text(
        "DELETE FROM feedback WHERE id NOT IN (SELECT max(id) FROM feedback GROUP BY turn_id, learner_id)"))
    with op.batch_alter_table("feedback") as batch:
        batch.create_unique_constraint("uq_feedback_turn_learner", ["turn_id", "learner_id"])


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("uq_feedback_turn_learner", type_="unique")

"""moderated_comments: one row per version of a comment with its automated decision

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "moderated_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("comment_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("story_id", sa.String(200)),
        sa.Column("story_url", sa.Text()),
        sa.Column("author_id", sa.String(200)),
        sa.Column("topic", sa.String(100)),
        sa.Column("lang", sa.String(10)),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("stance", sa.JSON()),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(20)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("client", "comment_id", "version", name="uq_comment_version"),
    )
    for column in ("client", "story_id", "author_id", "decision", "queue", "created_at"):
        op.create_index(f"ix_moderated_comments_{column}", "moderated_comments", [column])


def downgrade():
    op.drop_table("moderated_comments")

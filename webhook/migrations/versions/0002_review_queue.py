"""review queue: users, moderator actions (audit log), CMS outbox, final decisions

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("moderated_comments") as batch:
        batch.add_column(sa.Column("reason_tags", sa.String(200), nullable=False, server_default=","))
        batch.add_column(sa.Column("final_decision", sa.String(10)))
        batch.add_column(sa.Column("final_reason", sa.String(40)))
        batch.add_column(sa.Column("corrected", sa.JSON()))
        batch.add_column(sa.Column("decided_by", sa.Integer(), sa.ForeignKey("users.id", name="fk_decided_by")))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True)))
    op.create_table(
        "moderator_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("comment_row", sa.Integer(), sa.ForeignKey("moderated_comments.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40)),
        sa.Column("labels", sa.JSON()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_moderator_actions_comment_row", "moderator_actions", ["comment_row"])
    op.create_index("ix_moderator_actions_user_id", "moderator_actions", ["user_id"])
    op.create_index("ix_moderator_actions_created_at", "moderator_actions", ["created_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("comment_row", sa.Integer(), sa.ForeignKey("moderated_comments.id"), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_outbox_status", "outbox", ["status"])


def downgrade():
    op.drop_table("outbox")
    op.drop_table("moderator_actions")
    with op.batch_alter_table("moderated_comments") as batch:
        for column in ("decided_at", "decided_by", "corrected", "final_reason", "final_decision", "reason_tags"):
            batch.drop_column(column)
    op.drop_table("users")

"""review pages with many comments: comment_embeddings (the pipeline's embedding of held and suggested comments,
kept once), stance_label and raised_flags copied out of the JSON columns, and the indexes the queue, the comment
page and the dashboard read

Revision ID: 0005_decided_embeddings
Revises: 0004_outbox_delivery
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_decided_embeddings"
down_revision = "0004_outbox_delivery"
branch_labels = None
depends_on = None

# The flags the pipeline gave when this migration was written (classifier.labels, shouting, toxic, harm, newsroom).
FLAGS = ("dehumanising", "harm", "identity_attack", "insult", "newsroom", "profanity", "shouting", "threat", "toxic")
INDEXES = {"ix_moderated_comments_decided_at": ["decided_at"],
           "ix_moderated_comments_days": ["created_at", "decision", "final_decision", "raised_flags"],
           "ix_moderated_comments_stances": ["story_id", "stance_label", "created_at"],
           "ix_moderated_comments_held": ["queue", "reason_tags"]}


def upgrade():
    op.create_table(
        "comment_embeddings",
        sa.Column("comment_row", sa.Integer(),
                  sa.ForeignKey("moderated_comments.id", name="fk_embedding_comment", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("encoder", sa.String(200), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
    )
    op.add_column("moderated_comments", sa.Column("stance_label", sa.String(100)))
    op.add_column("moderated_comments", sa.Column("raised_flags", sa.String(200), nullable=False, server_default=","))
    if op.get_bind().dialect.name == "postgresql":
        label, raised = "stance ->> 'label'", "(flags -> '{0}' ->> 'value') = 'true'"
    else:
        label, raised = "json_extract(stance, '$.label')", "json_extract(flags, '$.\"{0}\".value') = 1"
    tags = " || ".join(f"CASE WHEN {raised.format(f)} THEN '{f},' ELSE '' END" for f in FLAGS)
    op.execute(f"UPDATE moderated_comments SET stance_label = NULLIF({label}, ''), raised_flags = ',' || {tags}")
    for name, columns in INDEXES.items():
        op.create_index(name, "moderated_comments", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, "moderated_comments")
    with op.batch_alter_table("moderated_comments") as batch:
        batch.drop_column("raised_flags")
        batch.drop_column("stance_label")
    op.drop_table("comment_embeddings")

"""comment_embeddings: the pipeline's embedding of held and suggested comments, kept once for review pages;
an index on decided_at for the latest decisions

Revision ID: 0006_decided_embeddings
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_decided_embeddings"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "comment_embeddings",
        sa.Column("comment_row", sa.Integer(),
                  sa.ForeignKey("moderated_comments.id", name="fk_embedding_comment", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("encoder", sa.String(200), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_moderated_comments_decided_at", "moderated_comments", ["decided_at"])


def downgrade():
    op.drop_index("ix_moderated_comments_decided_at", "moderated_comments")
    op.drop_table("comment_embeddings")

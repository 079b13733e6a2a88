"""authors and notes: the author's name on each comment, what moderators decided about an author (hold, suspend,
ban, note), notes on comments, audit-log and outbox rows about an author rather than a comment, and the groups a
comment names (named_groups, for the dashboard's held rate per group)

Revision ID: 0006_authors_notes
Revises: 0005_decided_embeddings
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_authors_notes"
down_revision = "0005_decided_embeddings"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    op.create_table(
        "authors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("author_id", sa.String(200), nullable=False),
        sa.Column("hold", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("note", sa.Text()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("client", "author_id", name="uq_author"),
    )
    with op.batch_alter_table("moderated_comments") as batch:
        batch.add_column(sa.Column("author_name", sa.String(200)))
        batch.add_column(sa.Column("named_groups", sa.String(400)))
        batch.add_column(sa.Column("note", sa.Text()))
    with op.batch_alter_table("moderator_actions") as batch:
        batch.alter_column("comment_row", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("client", sa.String(200)))
        batch.add_column(sa.Column("author_id", sa.String(200)))
        batch.add_column(sa.Column("note", sa.Text()))
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("comment_row", existing_type=sa.Integer(), nullable=True)
    # The groups named by comments stored before: read once, in batches, by the same matcher as new ones.
    from classifier.groups import named_groups

    comments = sa.table("moderated_comments", sa.column("id", sa.Integer()), sa.column("text", sa.Text()),
                        sa.column("named_groups", sa.String(400)))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(comments.c.id, comments.c.text).where(comments.c.id > last)
                            .order_by(comments.c.id).limit(BATCH)).all()
        if not rows:
            break
        for row_id, text in rows:
            found = named_groups(text or "")
            if found:
                tags = ("," + ",".join(found) + ",")[:400]
                conn.execute(comments.update().where(comments.c.id == row_id)
                             .values(named_groups=tags.rsplit(",", 1)[0] + ","))
        last = rows[-1][0]
    op.create_index("ix_moderated_comments_groups", "moderated_comments",
                    ["named_groups", "created_at", "decision", "final_decision"])
    op.create_index("ix_moderated_comments_held_outcomes", "moderated_comments",
                    ["decision", "final_decision", "raised_flags", "created_at"])


def downgrade():
    op.drop_index("ix_moderated_comments_held_outcomes", "moderated_comments")
    op.drop_index("ix_moderated_comments_groups", "moderated_comments")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("comment_row", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("moderator_actions") as batch:
        batch.drop_column("note")
        batch.drop_column("author_id")
        batch.drop_column("client")
        batch.alter_column("comment_row", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("moderated_comments") as batch:
        batch.drop_column("note")
        batch.drop_column("named_groups")
        batch.drop_column("author_name")
    op.drop_table("authors")

"""outbox: a delivery id per decision, sent on every try so the CMS can drop repeats

Revision ID: 0004_outbox_delivery
Revises: 0003_sessions
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004_outbox_delivery"
down_revision = "0003_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("delivery_id", sa.String(36)))
    # Rows written before this revision get an id now; pending ones keep it for all their tries.
    outbox = sa.table("outbox", sa.column("id", sa.Integer()), sa.column("delivery_id", sa.String(36)))
    conn = op.get_bind()
    for (row_id,) in conn.execute(sa.select(outbox.c.id)).all():
        conn.execute(outbox.update().where(outbox.c.id == row_id).values(delivery_id=str(uuid.uuid4())))
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("delivery_id", existing_type=sa.String(36), nullable=False)
    op.create_index("ix_outbox_delivery_id", "outbox", ["delivery_id"], unique=True)


def downgrade():
    op.drop_index("ix_outbox_delivery_id", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("delivery_id")

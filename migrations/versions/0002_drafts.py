"""drafts (unsaved edits kept encrypted in the vault) and the covering index of the file list

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_draft")),
    )
    with op.batch_alter_table("beneficiary") as batch:
        batch.create_index("ix_beneficiary_listing", ["status", "deleted_at", "sort_name", "id"])


def downgrade() -> None:
    with op.batch_alter_table("beneficiary") as batch:
        batch.drop_index("ix_beneficiary_listing")
    op.drop_table("draft")

"""sync: device keys, pinned central office keys, progress, bundle history, sync bases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signing_key", sa.Text(), nullable=False),
        sa.Column("age_identity", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("central_name", sa.String(length=120), nullable=True),
        sa.Column("central_recipient", sa.String(length=100), nullable=True),
        sa.Column("central_signing_key", sa.String(length=60), nullable=True),
        sa.Column("central_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(), nullable=True),
        sa.Column("next_sequence", sa.Integer(), nullable=False),
        sa.Column("acked_change_seq", sa.Integer(), nullable=False),
        sa.Column("acked_audit_seq", sa.Integer(), nullable=False),
        sa.Column("acked_bundle_seq", sa.Integer(), nullable=False),
        sa.Column("central_sequence", sa.Integer(), nullable=False),
        sa.Column("reference_version", sa.Integer(), nullable=False),
        sa.Column("last_export_at", sa.DateTime(), nullable=True),
        sa.Column("last_ack_at", sa.DateTime(), nullable=True),
        sa.Column("last_import_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "sync_bundle",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("audit", sa.Integer(), nullable=False),
        sa.Column("changes_to", sa.Integer(), nullable=False),
        sa.Column("audit_to", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("reference_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_bundle")),
    )
    with op.batch_alter_table("sync_bundle", schema=None) as batch_op:
        batch_op.create_index("ix_sync_bundle_direction", ["direction", "sequence"], unique=False)
    op.create_table(
        "sync_base",
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("mark", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "entity_id", name=op.f("pk_sync_base")),
    )


def downgrade() -> None:
    op.drop_table("sync_base")
    with op.batch_alter_table("sync_bundle", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_bundle_direction")
    op.drop_table("sync_bundle")
    op.drop_table("sync_state")

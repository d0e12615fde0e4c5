"""registration seats index: (session_id, status, deleted_at)

Counting the registered people of every session (the « places libres » filter of the sessions
page and the guided orientation) reads this index alone instead of 137,000 encrypted rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_registration_seats", "registration", ["session_id", "status", "deleted_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_registration_seats", table_name="registration")

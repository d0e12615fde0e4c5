"""field day: the hours of a session (start and end time)

A session's day has hours: the invitation says when to come and the attendance sheet splits the
morning from the afternoon. Two nullable text columns (« 09:00 »): sessions created before keep
no hours and print one signature column per day, as before.

Revision ID: 0008
Revises: 0005 (the lead chains the migrations of the branches)
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("atelier_session") as batch:
        batch.add_column(sa.Column("start_time", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("end_time", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("atelier_session") as batch:
        batch.drop_column("end_time")
        batch.drop_column("start_time")

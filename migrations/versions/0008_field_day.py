"""field day: the hours of a session (start and end time), dated notes

A session's day has hours: the invitation says when to come and the attendance sheet splits the
morning from the afternoon. Two nullable text columns (« 09:00 »): sessions created before keep
no hours and print one signature column per day, as before.

Notes become dated entries (table ``note``: one per note, with its author and date). The former
single free-text box (``beneficiary.notes``) stays as it is: it is shown above the entries as the
notes written before, nothing is lost or rewritten.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("atelier_session") as batch:
        batch.add_column(sa.Column("start_time", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("end_time", sa.String(length=5), nullable=True))
    op.create_table(
        "note",
        sa.Column("beneficiary_id", sa.String(length=36), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("author_name", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["beneficiary_id"], ["beneficiary.id"], name=op.f("fk_note_beneficiary_id_beneficiary")),
        sa.ForeignKeyConstraint(["author_id"], ["conseiller.id"], name=op.f("fk_note_author_id_conseiller")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )
    with op.batch_alter_table("note") as batch:
        batch.create_index(batch.f("ix_note_beneficiary_id"), ["beneficiary_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("note") as batch:
        batch.drop_index(batch.f("ix_note_beneficiary_id"))
    op.drop_table("note")
    with op.batch_alter_table("atelier_session") as batch:
        batch.drop_column("end_time")
        batch.drop_column("start_time")

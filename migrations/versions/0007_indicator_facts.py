"""indicator facts: Point Conseils Intérimaire, parcours prévention, funding lines, interest for
the SAS; SPOTT details on sessions; the positioning agency on registrations (article 5-1)

Revision ID: 0007
Revises: 0005 (for now: the lead chains it after 0006)
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _synced_columns() -> list:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "pci_diagnostic",
        *_synced_columns(),
        sa.Column("beneficiary_id", sa.String(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("held_by", sa.String(length=10), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=True),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["beneficiary_id"], ["beneficiary.id"],
                                name=op.f("fk_pci_diagnostic_beneficiary_id_beneficiary")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pci_diagnostic")),
    )
    op.create_index(op.f("ix_pci_diagnostic_beneficiary_id"), "pci_diagnostic", ["beneficiary_id"], unique=False)
    op.create_table(
        "prevention_pathway",
        *_synced_columns(),
        sa.Column("beneficiary_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["beneficiary_id"], ["beneficiary.id"],
                                name=op.f("fk_prevention_pathway_beneficiary_id_beneficiary")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prevention_pathway")),
    )
    op.create_index(op.f("ix_prevention_pathway_beneficiary_id"), "prevention_pathway", ["beneficiary_id"],
                    unique=False)
    op.create_table(
        "funding_line",
        *_synced_columns(),
        sa.Column("beneficiary_id", sa.String(length=36), nullable=True),
        sa.Column("target_kind", sa.String(length=12), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.Column("funder", sa.String(length=20), nullable=False),
        sa.Column("line", sa.String(length=30), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_line")),
    )
    op.create_index(op.f("ix_funding_line_beneficiary_id"), "funding_line", ["beneficiary_id"], unique=False)
    op.create_index("ix_funding_line_target", "funding_line", ["target_kind", "target_id"], unique=False)
    op.create_table(
        "sas_interest",
        *_synced_columns(),
        sa.Column("beneficiary_id", sa.String(length=36), nullable=False),
        sa.Column("interested", sa.Boolean(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["beneficiary_id"], ["beneficiary.id"],
                                name=op.f("fk_sas_interest_beneficiary_id_beneficiary")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sas_interest")),
    )
    op.create_index(op.f("ix_sas_interest_beneficiary_id"), "sas_interest", ["beneficiary_id"], unique=False)
    # New nullable columns: SQLite adds them in place (no table copy, even for 137,000 rows).
    with op.batch_alter_table("atelier_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fpett_validated_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("opco", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("agencies", sa.JSON(), nullable=True))
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("positioned_by_agency_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_column("positioned_by_agency_id")
    with op.batch_alter_table("atelier_session", schema=None) as batch_op:
        batch_op.drop_column("agencies")
        batch_op.drop_column("opco")
        batch_op.drop_column("fpett_validated_on")
    for table in ("sas_interest", "funding_line", "prevention_pathway", "pci_diagnostic"):
        op.drop_table(table)

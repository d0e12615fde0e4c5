"""search index: the file's sort key in each row, short prefix keys, stored in key order

``beneficiary_token`` becomes a WITHOUT ROWID table keyed (token, sort_name, beneficiary_id): the
rows of one key are stored in list order. Existing rows get their file's sort key, and the prefix
keys of 1 to 3 letters (``^m``, ``^ma``, ``^mar``) of every word not starting with a digit are
added, as ``services.beneficiaries.index_keys`` makes them (``domain.text.prefix_keys``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen here: a later change of the application's constants needs a migration of its own.
PREFIX_MARK = "^"
PREFIX_LENGTHS = (1, 2, 3)


def upgrade() -> None:
    op.execute(
        "CREATE TABLE beneficiary_token_new ("
        "token VARCHAR(80) NOT NULL, "
        "sort_name VARCHAR(170) NOT NULL, "
        "beneficiary_id VARCHAR(36) NOT NULL, "
        "CONSTRAINT pk_beneficiary_token PRIMARY KEY (token, sort_name, beneficiary_id), "
        "CONSTRAINT fk_beneficiary_token_beneficiary_id_beneficiary FOREIGN KEY(beneficiary_id) "
        "REFERENCES beneficiary (id)) WITHOUT ROWID"
    )
    op.execute(
        "INSERT INTO beneficiary_token_new (token, sort_name, beneficiary_id) "
        "SELECT t.token, b.sort_name, t.beneficiary_id FROM beneficiary_token AS t "
        "JOIN beneficiary AS b ON b.id = t.beneficiary_id"
    )
    for n in PREFIX_LENGTHS:
        op.execute(
            "INSERT OR IGNORE INTO beneficiary_token_new (token, sort_name, beneficiary_id) "
            f"SELECT '{PREFIX_MARK}' || substr(t.token, 1, {n}), b.sort_name, t.beneficiary_id "
            "FROM beneficiary_token AS t JOIN beneficiary AS b ON b.id = t.beneficiary_id "
            "WHERE substr(t.token, 1, 1) NOT BETWEEN '0' AND '9'"
        )
    op.execute("DROP TABLE beneficiary_token")
    op.execute("ALTER TABLE beneficiary_token_new RENAME TO beneficiary_token")
    op.create_index("ix_beneficiary_token_beneficiary_id", "beneficiary_token", ["beneficiary_id"], unique=False)


def downgrade() -> None:
    op.execute(
        "CREATE TABLE beneficiary_token_old ("
        "token VARCHAR(80) NOT NULL, "
        "beneficiary_id VARCHAR(36) NOT NULL, "
        "CONSTRAINT pk_beneficiary_token PRIMARY KEY (token, beneficiary_id), "
        "CONSTRAINT fk_beneficiary_token_beneficiary_id_beneficiary FOREIGN KEY(beneficiary_id) "
        "REFERENCES beneficiary (id))"
    )
    op.execute(
        "INSERT INTO beneficiary_token_old (token, beneficiary_id) SELECT token, beneficiary_id "
        f"FROM beneficiary_token WHERE substr(token, 1, 1) <> '{PREFIX_MARK}'"
    )
    op.execute("DROP TABLE beneficiary_token")
    op.execute("ALTER TABLE beneficiary_token_old RENAME TO beneficiary_token")
    op.create_index("ix_beneficiary_token_beneficiary_id", "beneficiary_token", ["beneficiary_id"], unique=False)

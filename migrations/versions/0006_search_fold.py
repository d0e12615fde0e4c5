"""search folding by transliteration: Polish, South-Slavic, Nordic letters are found

``domain.text.fold`` now transliterates with ``anyascii`` instead of stripping combining marks, so
``Łukasz``, ``Đorđević`` and ``Ærø`` are found by ``lukasz``, ``dordevic`` and ``aero``. The
folded data kept in the vault is rebuilt: each file's sort key and search index rows (only for the
files whose names or commune are not plain ASCII: the others fold as before) and the communes'
search names.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from alembic import op
from sqlalchemy import text

from conseiller_app.domain.text import fold, prefix_keys, query_tokens, search_tokens

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _sort_name(last: str, first: str) -> str:
    # As services.beneficiaries.sort_name at this revision.
    return f"{' '.join(query_tokens(last))} {' '.join(query_tokens(first))}"


def _keys(last, first, caf, insee, commune_name, postal_codes) -> list[str]:
    # As services.beneficiaries.index_keys at this revision.
    words = search_tokens(last, first, commune_name)
    extra = [caf, insee] + (postal_codes.split() if postal_codes else [])
    tokens = list(dict.fromkeys(words + [t for t in extra if t]))
    return tokens + prefix_keys(tokens)


def upgrade() -> None:
    conn = op.get_bind()
    communes = {}
    for insee, name, postal_codes, search_name in conn.execute(
            text("SELECT insee, name, postal_codes, search_name FROM commune")).all():
        communes[insee] = (name, postal_codes)
        if fold(name) != search_name:
            conn.execute(text("UPDATE commune SET search_name = :s WHERE insee = :i"), {"s": fold(name), "i": insee})
    rows = conn.execute(text(
        "SELECT id, last_name, first_name, caf_number, commune_insee, sort_name FROM beneficiary")).all()
    for bid, last, first, caf, insee, old_sort in rows:
        commune_name, postal_codes = communes.get(insee, (None, None))
        if all((s or "").isascii() for s in (last, first, commune_name)):
            continue  # folds as before
        new_sort = _sort_name(last or "", first or "")
        if new_sort != old_sort:
            conn.execute(text("UPDATE beneficiary SET sort_name = :s WHERE id = :i"), {"s": new_sort, "i": bid})
        conn.execute(text("DELETE FROM beneficiary_token WHERE beneficiary_id = :i"), {"i": bid})
        keys = _keys(last, first, caf, insee, commune_name, postal_codes)
        if keys:
            conn.execute(text("INSERT OR IGNORE INTO beneficiary_token (token, sort_name, beneficiary_id) "
                              "VALUES (:t, :s, :i)"), [{"t": k, "s": new_sort, "i": bid} for k in keys])


def downgrade() -> None:
    # The older folding is gone with the older code: the rebuilt keys stay (they are a superset of
    # what the older search could find for plain-ASCII names, and equal for French accents).
    pass

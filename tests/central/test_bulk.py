"""The ingest's driver-level reads and writes (``central.bulk``) on SQLite and PostgreSQL: any
record id a device may send (quotes, backslashes, commas, braces) is found again and updated."""

from __future__ import annotations

from datetime import datetime

from conseiller_app.central import bulk, merge
from conseiller_app.central.models import Record
from conseiller_app.central.service import init

ODD_IDS = ['a"b', "c\\d", "x,y", "{z}", "NULL", " sp ", "é'ç", "", "01a22456-0124-7e8b-9ba8-107517fc9a67"]


def test_odd_ids_are_found_and_updated(db_url, tmp_path):
    central = init(db_url, tmp_path / "cles")
    now = datetime(2026, 11, 28, 10, 0)
    try:
        with central.db.write() as conn:
            stamp = bulk.db_time(conn, now)
            rows = [("beneficiary", i, f"h{n}", "insert", 1, False, False, stamp) for n, i in enumerate(ODD_IDS)]
            bulk.insert_rows(conn, Record.__table__, merge.RECORD_COLUMNS, rows)
            bulk.update_rows(conn, Record.__table__, merge.RECORD_COLUMNS,
                             [("beneficiary", ODD_IDS[0], "new", "update", 2, False, True, stamp),
                              ("beneficiary", ODD_IDS[1], "new", "delete", 2, True, False, stamp)], merge.RECORD_KEY)
        with central.db.read() as conn:
            found = bulk.select_by_ids(conn, "entity_id, hash, version, deleted, in_conflict", "record", "beneficiary",
                                       [*ODD_IDS[:4], "absent"])
            none = bulk.select_by_ids(conn, "entity_id", "record", "person", ODD_IDS)
            total = conn.exec_driver_sql("SELECT count(*) FROM record").scalar()
        assert sorted((r[0], r[1], r[2], bool(r[3]), bool(r[4])) for r in found) == sorted([
            (ODD_IDS[0], "new", 2, False, True), (ODD_IDS[1], "new", 2, True, False),
            (ODD_IDS[2], "h2", 1, False, False), (ODD_IDS[3], "h3", 1, False, False)])
        assert none == [] and total == len(ODD_IDS)

        many = [f"id-{n:05d}" for n in range(2 * bulk.CHUNK + 7)]  # several SQLite chunks
        with central.db.write() as conn:
            bulk.insert_rows(conn, Record.__table__, merge.RECORD_COLUMNS,
                             [("person", i, "h", "insert", 1, False, False, stamp) for i in many])
        with central.db.read() as conn:
            assert sorted(r[0] for r in bulk.select_by_ids(conn, "entity_id", "record", "person", many)) == many
    finally:
        central.close()

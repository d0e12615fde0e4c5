"""``conseiller-central bilan``, ``export`` and ``export-log`` (issue 11) on SQLite and on a real
PostgreSQL server: a device's files synced to a real central office, the documents written where
asked (or under a default name that names no one), every one recorded in the journal of exports
with the OS user, the filters and the format; bad input writes nothing and journals nothing; a
base made before the journal existed gets its table."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, text

from conseiller_app.central import ingest
from conseiller_app.cli import central as central_cli
from conseiller_app.domain.consolidation import PARTNERS
from conseiller_app.sync import service as sync
from tests.sync.helpers import add_person, make_vault, register_device

PEOPLE = ["Lefèvre", "Martin", "Durand", "Petit", "Moreau", "Lambert", "Garnier"]


class Runner:
    def __init__(self, capsys, db_url: str, keys: Path) -> None:
        self.capsys, self.db_url, self.keys = capsys, db_url, keys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = central_cli.main(["--db", self.db_url, "--keys", str(self.keys), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def journal(self) -> list[dict]:
        code, out, _ = self("export-log", "--json")
        assert code == 0
        return json.loads(out)


@pytest.fixture
def office(db_url, tmp_path, capsys, monkeypatch):
    """A central office holding one device's seven files (spotted on 28/11/2026)."""
    from conseiller_app.central.service import open_central

    monkeypatch.setenv("LOGNAME", "c.mission")  # the OS user the journal names
    run = Runner(capsys, db_url, tmp_path / "cles")
    assert run("init", "--name", "Siège de test")[0] == 0
    ctx = make_vault(tmp_path / "appareil")
    out = tmp_path / "envois"
    out.mkdir()
    central = open_central(db_url, tmp_path / "cles")
    try:
        sync.enroll(ctx, tmp_path / "cles" / "inscription-siege.json")
        register_device(central, ctx)
        for name in PEOPLE:
            add_person(ctx, name)
        assert ingest.ingest_file(central, Path(sync.export(ctx, out).path)).status == "ingere"
    finally:
        central.close()
        ctx.vault.close()
    return run


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")
def test_bilan_and_exports_are_written_and_journaled(office, tmp_path, monkeypatch):
    run = office
    code, out, err = run("bilan", "--from", "01/01/2026", "--to", "31/12/2026", "--out", str(tmp_path / "b.pdf"))
    assert code == 0, err
    assert "Bilan du comité de suivi écrit" in out and "Journal des exports : ligne n° 1" in out
    text = " ".join(pdf_text(tmp_path / "b.pdf").split())
    for partner in PARTNERS:
        assert partner in text
    assert "du 01/01/2026 au 31/12/2026" in text
    for name in PEOPLE:
        assert name not in text  # figures only

    code, out, err = run("export", "--format", "xlsx", "--from", "01/01/2026", "--to", "31/12/2026",
                         "--territory", "arrageois", "--out", str(tmp_path / "x.xlsx"))
    assert code == 0, err
    wb = load_workbook(tmp_path / "x.xlsx")
    assert {"Synthèse", "Par territoire", "Définitions"} <= set(wb.sheetnames)

    # Without --out: a default name in the current folder, naming the period only.
    monkeypatch.chdir(tmp_path)
    code, out, err = run("export", "--format", "csv", "--from", "01/01/2026", "--to", "31/12/2026", "--json")
    assert code == 0, err
    issued = json.loads(out)
    assert issued["file_name"] == "indicateurs-partenaires_2026-01-01_2026-12-31.zip"
    assert (tmp_path / issued["file_name"]).is_file()

    journal = run.journal()
    assert [(e["kind"], e["format"]) for e in journal] == [("export", "csv"), ("export", "xlsx"), ("bilan", "pdf")]
    assert {e["who"] for e in journal} == {"c.mission"} and {e["source"] for e in journal} == {"cli"}
    assert journal[1]["filters"]["territory"] == "arrageois" and journal[1]["file_name"] == "x.xlsx"
    assert journal[2]["filters"]["from"] == "2026-01-01" and journal[2]["filters"]["to"] == "2026-12-31"
    assert journal[0]["sha256"] == issued["sha256"] and journal[0]["size"] == issued["size"]
    code, out, _ = run("export-log")
    assert code == 0 and "Bilan du comité de suivi (pdf) par c.mission (cli)" in out


def test_bad_input_writes_and_journals_nothing(office, tmp_path):
    run = office
    code, _, err = run("export", "--format", "csv", "--from", "01/01/2026", "--to", "31/12/2026",
                       "--out", str(tmp_path / "x.csv"))
    assert code == 2 and ".zip" in err
    code, _, err = run("bilan", "--from", "31/02/2026", "--to", "31/12/2026", "--out", str(tmp_path / "b.pdf"))
    assert code == 4 and "Du" in err
    code, _, err = run("bilan", "--from", "01/01/2026", "--territory", "atlantide", "--out", str(tmp_path / "b.pdf"))
    assert code == 4 and "territoire inconnu" in err
    code, _, err = run("bilan", "--out", str(tmp_path / "b.txt"))
    assert code == 2 and ".pdf" in err
    blocker = tmp_path / "pas-un-dossier"
    blocker.write_text("")
    code, _, err = run("bilan", "--out", str(blocker / "b.pdf"))  # the file cannot be written
    assert code == 2 and "Impossible d'écrire « b.pdf »" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "b.pdf").exists()
    assert run.journal() == []


def test_an_older_base_gets_the_journal_table(office, tmp_path):
    """A central office made before the journal of exports: its table is created on opening."""
    from conseiller_app.central.db import CentralDB

    run = office
    db = CentralDB(run.db_url)
    try:
        with db.write() as conn:
            conn.execute(text("DROP TABLE export_journal"))
        assert "export_journal" not in inspect(db.engine).get_table_names()
    finally:
        db.close()
    code, _, err = run("export", "--format", "ods", "--out", str(tmp_path / "x.ods"))
    assert code == 0, err
    [entry] = run.journal()
    assert entry["format"] == "ods" and entry["filters"]["from"] is None


def test_the_console_gets_bytes_and_a_journal_line(office, tmp_path):
    """What the console's buttons call: the bytes to send and a suggested name, journaled under
    the staff member's login."""
    from conseiller_app.central import exports
    from conseiller_app.central.service import open_central
    from conseiller_app.domain.indicators import Filters

    central = open_central(office.db_url)
    try:
        issued = exports.bilan(central, Filters(territory="arrageois"), who="marie.l", source="console")
        assert issued.path is None and issued.data.startswith(b"%PDF")
        assert issued.file_name == "bilan-comite_toute-la-periode.pdf"
        issued = exports.partner_export_file(central, Filters(), "ods", who="marie.l", source="console")
        assert issued.data.startswith(b"PK") and issued.file_name.endswith(".ods")
        assert list(tmp_path.glob("*.ods")) == []
        [second, first] = exports.journal(central)
    finally:
        central.close()
    assert (first.who, first.source, first.kind, first.filters["territory"]) == \
        ("marie.l", "console", "bilan", "arrageois")
    assert (second.kind, second.format) == ("export", "ods")

"""The bilan and the partners' export of a real central office (SQLite and PostgreSQL): issue 9's
30 files synced by three devices (the fleet of ``test_consolidated_indicators``), whose values
were computed by hand. What is 5 or more prints as computed; what is 1 to 4 — or would give a
count of 1 to 4 back — prints « < 5 » or « n. p. »."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conseiller_app.central import exports
from conseiller_app.domain.indicators import Filters
from tests.central.test_consolidated_indicators import central, fleet  # noqa: F401 - the fixtures
from tests.storage import test_indicators as T

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")


def test_bilan_of_issue_9s_table(central, tmp_path):  # noqa: F811 - the fixture
    issued = exports.bilan(central, Filters(), who="c.mission", source="cli", out=tmp_path / "bilan.pdf",
                           today=T.TODAY)
    text = subprocess.run(["pdftotext", str(issued.path), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))
    summary = text[text.index("Synthèse"):text.index("Ce que les chiffres ne comptent pas")]

    def value(label: str) -> str:
        return summary[summary.index(label) + len(label):].split()[0:3]

    assert value("1. SPOTT en lien avec les grands chantiers")[:2] == ["<", "5"]  # 3 sessions
    assert "6 personnes" in summary  # 6 people positioned by agencies
    # 12 exits counted, 9 dynamic: « 12 − 9 » would name 3 people, so neither 9 nor 75 % is printed.
    assert "n. p." in summary and "75,0 %" not in text
    assert value("4. Parcours prévention finalisés")[:2] == ["<", "5"]  # 3
    assert "9 diagnostics" in summary
    assert "95 300,50 €" in summary and "300 000,00 €" in summary and "4 500,00 €" in summary
    assert "4 200,50 €" in summary
    assert "Page 1 / " in text


def test_export_of_issue_9s_table(central, tmp_path):  # noqa: F811 - the fixture
    issued = exports.partner_export_file(central, Filters(), "xlsx", who="c.mission", source="cli",
                                         out=tmp_path / "x.xlsx", today=T.TODAY)
    wb = load_workbook(Path(issued.path or ""))
    funnel = {row[0]: row[1:] for row in wb["Entonnoir"].iter_rows(values_only=True)}
    assert funnel["Repérage"] == (30, "< 5")  # 30 spotted, 4 still there
    assert funnel["Atelier de sensibilisation BTP"][0] == 26
    exits = {row[0]: row[1] for row in wb["Sorties"].iter_rows(values_only=True)}
    assert exits["Emploi durable"] == 5 and exits["Sortie neutre"] == "< 5"
    assert all(not (isinstance(v, int) and 0 < v < 5) for ws in wb.worksheets if ws.title != "Qualité des données"
               for row in ws.iter_rows(values_only=True) for v in row[1:])

"""``conseiller access-report ID --out F.pdf [--json]`` as a real process: the PDF is written,
``--json`` prints the same data, an unknown id gives a French message and exit code 4, and no
personal data reaches the console outside ``--json``."""

from __future__ import annotations

import json

from pypdf import PdfReader

from tests.cli.conftest import run
from tests.cli.test_cli_documents import seed


def test_access_report_pdf_and_json(cli_vault, tmp_path):
    bid, ref, _ = seed(cli_vault)
    out = tmp_path / "releve.pdf"
    r = run(cli_vault, "access-report", bid, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Relevé droit d'accès DA-" in r.stdout and "Dupré" not in r.stdout + r.stderr
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(out)).pages).split())
    assert "Dupré" in text and "Anaïs" in text and ref in text and "Relevé droit d'accès" in text

    r = run(cli_vault, "access-report", bid, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["beneficiary_id"] == bid and data["controller"]["name"] == "Département du Pas-de-Calais"
    assert {x["field"]: x["value"] for x in data["identity"]}["last_name"] == "Dupré"
    assert [x["reference"] for x in data["referrals"]] == [ref]
    assert data["consents"][0]["scope_labels"] == ["Identité"]
    assert [e["action"] for e in data["audit"]].count("access_report") == 2  # the PDF's read, then this one


def test_access_report_errors(cli_vault, tmp_path):
    r = run(cli_vault, "access-report", "00000000-0000-0000-0000-000000000000", "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 4
    assert "Ce dossier n'existe pas" in r.stderr and not (tmp_path / "x.pdf").exists()
    r = run(cli_vault, "access-report", "x", "--out", str(tmp_path / "x.txt"))
    assert r.returncode == 2 and ".pdf" in r.stderr
    r = run(cli_vault, "access-report", "x")
    assert r.returncode == 2 and "--out" in r.stderr
    r = run(cli_vault, "access-report", "--help")
    assert r.returncode == 0 and "droit d'accès" in r.stdout

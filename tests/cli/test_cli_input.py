"""The command line on doubtful input: duplicates warned as in the application, search limits,
hostile or loosely typed profile fields, digits of other scripts (real processes)."""

from __future__ import annotations

import json

from tests.cli.test_cli import add, run


def test_an_exact_duplicate_is_refused_unless_allowed(tmp_path):
    folder = tmp_path / "profil"
    assert run(folder, "init", "--name", "Marie Dupont", "--territory", "Arrageois").returncode == 0
    first = add(folder)
    assert first.returncode == 0, first.stderr
    again = add(folder)
    assert again.returncode == 4 and "semblable" in again.stderr and "--allow-duplicate" in again.stderr
    assert first.stdout.strip() in again.stderr  # the existing file's id, no name on stderr
    assert "Diaye" not in again.stderr
    forced = add(folder, "--allow-duplicate")
    assert forced.returncode == 0
    found = json.loads(run(folder, "beneficiary", "search", "ndiaye", "--json").stdout)
    assert len(found) == 2


def test_search_limits_are_invalid_input(tmp_path):
    folder = tmp_path / "profil"
    assert run(folder, "init", "--name", "Marie Dupont", "--territory", "Arrageois").returncode == 0
    for args in (["--limit", "0"], ["--limit", "-5"], ["--limit", "99999999999"]):
        r = run(folder, "beneficiary", "search", "dupont", *args)
        assert r.returncode == 4 and "--limit" in r.stderr, r.stderr
    r = run(folder, "beneficiary", "search", " ".join(["mot"] * 1000))
    assert r.returncode == 4 and "mots" in r.stderr


def test_profile_fields_are_checked_where_entered(tmp_path):
    r = run(tmp_path / "a", "init", "--name", "Marie Dupont", "--territory", "Arrageois",
            "--office", "MDS\x1b[2J\u202e")
    assert r.returncode == 4 and "Lieu d'accueil" in r.stderr
    assert not (tmp_path / "a" / "coffre.db").exists()
    for typed in ("LENS LIEVIN", "lens-lievin"):
        folder = tmp_path / typed.replace(" ", "_")
        r = run(folder, "init", "--name", "Marie Dupont", "--territory", typed)
        assert r.returncode == 0, r.stderr


def test_caf_numbers_in_arabic_indic_digits_are_stored_in_ascii(tmp_path):
    folder = tmp_path / "profil"
    assert run(folder, "init", "--name", "Marie Dupont", "--territory", "Arrageois").returncode == 0
    r = add(folder, "--json", caf_number="١٢٣٤٥٦٧")
    assert r.returncode == 0, r.stderr
    shown = json.loads(run(folder, "beneficiary", "show", json.loads(r.stdout)["id"], "--json").stdout)
    assert shown["caf_number"] == "1234567"

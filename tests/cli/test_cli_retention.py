"""``conseiller retention list|purge`` and ``conseiller settings set``, run as real processes:
the dry run changes nothing, the purge refuses without --yes, purges only what the list shows,
exit codes and French messages."""

from __future__ import annotations

import json
from datetime import date

from conseiller_app.domain.retention import subtract_months
from conseiller_app.storage.services import Context, beneficiaries
from conseiller_app.storage.vault import Vault
from tests.cli.conftest import run
from tests.conftest import PASSPHRASE


def _add(folder, last: str, months_ago: int) -> str:
    """A file created (and last contacted) ``months_ago`` months before today."""
    on = subtract_months(date.today(), months_ago)
    vault = Vault.open(folder, PASSPHRASE)
    try:
        ctx = Context(vault, today=lambda: on)
        return beneficiaries.create(ctx, {"last_name": last, "first_name": "Awa", "birth_date": "1990-03-04",
                                          "commune": "Arras", "public": "rsa"})
    finally:
        vault.close()


def _ids(folder) -> set[str]:
    r = run(folder, "beneficiary", "search", "awa", "--json")
    assert r.returncode == 0, r.stderr
    return {f["id"] for f in json.loads(r.stdout)}


def test_list_then_purge_with_yes(cli_vault):
    old = _add(cli_vault, "Ancienne", 30)
    older = _add(cli_vault, "Tresancienne", 40)
    recent = _add(cli_vault, "Recente", 3)

    r = run(cli_vault, "retention", "list")
    assert r.returncode == 0, r.stderr
    assert "rien n'a été modifié" in r.stdout and "ANCIENNE Awa" in r.stdout and "RECENTE" not in r.stdout
    r = run(cli_vault, "retention", "list", "--json")
    listed = json.loads(r.stdout)
    assert listed["months"] == 24 and {f["id"] for f in listed["files"]} == {old, older}
    assert all(f["kind"] == "a_purger" and f["reason"] for f in listed["files"])
    assert _ids(cli_vault) == {old, older, recent}  # the dry run changed nothing

    r = run(cli_vault, "retention", "purge")
    assert r.returncode == 2
    assert "--yes" in r.stderr and "définitive" in r.stderr and "siège" in r.stderr
    assert _ids(cli_vault) == {old, older, recent}

    # a file the list does not show is refused (exit 4), nothing purged
    r = run(cli_vault, "retention", "purge", "--yes", "--id", recent, "--id", old)
    assert r.returncode == 4 and "pas à purger" in r.stderr and "Traceback" not in r.stderr
    assert _ids(cli_vault) == {old, older, recent}

    r = run(cli_vault, "retention", "purge", "--yes", "--id", old)
    assert r.returncode == 0, r.stderr
    assert "1 dossier(s) purgé(s)" in r.stdout and "siège" in r.stdout
    assert _ids(cli_vault) == {older, recent}

    r = run(cli_vault, "retention", "purge", "--yes", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["ids"] == [older]
    assert _ids(cli_vault) == {recent}
    r = run(cli_vault, "retention", "list")
    assert "Aucun dossier à purger." in r.stdout
    r = run(cli_vault, "check")
    assert r.returncode == 0, r.stderr


def test_settings_set_retention_months(cli_vault):
    old = _add(cli_vault, "Ancienne", 14)
    r = run(cli_vault, "retention", "list", "--json")
    assert json.loads(r.stdout)["files"] == []
    r = run(cli_vault, "settings", "set", "retention_months", "12")
    assert r.returncode == 0 and "retention_months = 12" in r.stdout
    r = run(cli_vault, "settings", "show", "--json")
    assert json.loads(r.stdout) == {"retention_months": 12, "idle_lock_minutes": 5, "territory": "arrageois"}
    r = run(cli_vault, "retention", "list", "--json")
    assert [f["id"] for f in json.loads(r.stdout)["files"]] == [old]

    for bad in ("0", "37", "douze"):
        r = run(cli_vault, "settings", "set", "retention_months", bad)
        assert r.returncode == 4, bad
        assert "Durée de conservation" in r.stderr and "entre 1 et 36" in r.stderr
    r = run(cli_vault, "settings", "set", "couleur", "bleu")
    assert r.returncode == 2 and "Paramètre inconnu" in r.stderr
    r = run(cli_vault, "settings", "show")
    assert "retention_months = 12" in r.stdout

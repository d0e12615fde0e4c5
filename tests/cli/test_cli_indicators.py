"""``conseiller indicators`` and the facts' commands, run as real processes: stable JSON keys,
amounts in cents, ``--explain`` listing the files counted, exit code 4 naming the wrong field."""

from __future__ import annotations

import json
from datetime import date, timedelta

from tests.cli.conftest import run
from tests.cli.test_cli import add

KEYS = {"filters", "spott_grands_chantiers", "positioned_by_agencies", "insertion_rate", "prevention_completed",
        "pci", "fpett_amount_cents", "aktiv_envelope_cents", "departement_amount_cents", "funnel", "delays_days",
        "barriers", "exits_by_outcome"}


def _id(folder, last: str) -> str:
    r = add(folder, last_name=last)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_facts_then_indicators(cli_vault):
    day = (date.today() - timedelta(days=3)).strftime("%d/%m/%Y")
    bid = _id(cli_vault, "Lefèvre")
    r = run(cli_vault, "pci", "add", bid, "--date", day, "--recommendation", "logement:oui",
            "--recommendation", "mobilite", "--json")
    assert r.returncode == 0, r.stderr
    assert [x["code"] for x in json.loads(r.stdout)["recommendations"]] == ["logement", "mobilite"]
    r = run(cli_vault, "prevention", "set", bid, "--status", "finalise", "--start", day, "--end", day)
    assert r.returncode == 0, r.stderr
    show = json.loads(run(cli_vault, "beneficiary", "show", bid, "--json").stdout)
    step = run(cli_vault, "indicators", "--json")  # no funding yet
    assert json.loads(step.stdout)["fpett_amount_cents"]["total"] == 0
    step_id = _first_step(cli_vault, bid)
    r = run(cli_vault, "funding", "add", "--step", step_id, "--funder", "fpett", "--line", "cipi",
            "--amount", "1 234,50", "--date", day, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["amount_cents"] == 123450

    r = run(cli_vault, "indicators", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == KEYS
    assert data["pci"]["count"] == 1 and data["pci"]["recommendations"]["logement"] == {
        "made": 1, "followed": 1, "not_followed": 0}
    assert data["prevention_completed"] == 1
    assert data["fpett_amount_cents"] == {"total": 123450, "by_line": {"cipi": 123450, "cdpi": 0, "spott": 0,
                                                                       "tremplin_rsa": 0}}
    assert data["insertion_rate"]["all"]["rate"] is None  # no exit: absent, not 0
    assert data["funnel"][0] == {"stage": "reperage", "label": "Repérage", "reached": 1, "current": 1}

    r = run(cli_vault, "indicators", "--explain", "pci", "--json")
    assert r.returncode == 0, r.stderr
    ex = json.loads(r.stdout)
    assert ex["count"] == 1 and ex["file_ids"] == [bid]
    assert show["last_name"] not in r.stdout  # ids, never names
    text = run(cli_vault, "indicators", "--territory", "Lens-Liévin", "--public", "jeune")
    assert text.returncode == 0, text.stderr
    assert "5. Points Conseils Intérimaire : 1" in text.stdout
    assert "Montant investi par le FPETT : 1\u202f234,50\u00a0€" in text.stdout
    assert "non calculable" in text.stdout


def _first_step(folder, bid: str) -> str:
    import sqlalchemy  # noqa: F401  (the vault is read through the services, as the CLI does)

    from conseiller_app.storage.services import Context, pathway
    from conseiller_app.storage.vault import Vault
    from tests.conftest import PASSPHRASE

    vault = Vault.open(folder, PASSPHRASE)
    try:
        return pathway.get(Context(vault), bid).steps[0].id
    finally:
        vault.close()


def test_bad_input_exits_4_naming_the_field(cli_vault):
    bid = _id(cli_vault, "Martin")
    cases = [
        (("pci", "add", bid, "--date", "31/02/2026"), "Date du Point Conseils Intérimaire"),
        (("pci", "add", bid, "--date", "01/03/2026", "--recommendation", "santé mentale"), "Préconisations"),
        (("prevention", "set", bid, "--status", "termine", "--start", "01/03/2026"), "Statut du parcours prévention"),
        (("prevention", "set", bid, "--status", "finalise", "--start", "01/03/2026"), "Date de fin"),
        (("funding", "add", "--session", "x", "--funder", "fpett", "--line", "cipi", "--amount", "douze",
          "--date", "01/03/2026"), "Montant"),
        (("funding", "add", "--session", "x", "--funder", "fastt", "--line", "cipi", "--amount", "12",
          "--date", "01/03/2026"), "Financeur"),
        (("sas-interest", "set", bid, "peut-être"), "Intérêt pour le SAS"),
        (("indicators", "--month", "2026-13"), "Mois"),
        (("indicators", "--territory", "Picardie"), "Territoire"),
        (("indicators", "--from", "01/05/2026", "--to", "01/04/2026"), "Au"),
    ]
    for args, label in cases:
        r = run(cli_vault, *args)
        assert r.returncode == 4, (args, r.stdout, r.stderr)
        assert f"{label} :" in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
    r = run(cli_vault, "indicators", "--explain", "tout")
    assert r.returncode == 2 and "Chiffres possibles" in r.stderr

"""The convention's indicators consolidated at the central office (issue 11), on SQLite and on a
real PostgreSQL server: real vaults built by the services, real bundles, a real central office.

The 30 files of issue 9's table (``tests/storage/test_indicators.py``, checked there by hand)
are spread over three devices — one per territory, the Arras device also keeping the shared
sessions calendar, which the central office publishes to the two others before they register
people to its sessions. Once every device has synced, the consolidated figures must be issue 9's
hand-computed values, and every per-file count the sum of the devices' own ``conseiller
indicators`` figures. A hypothesis property spreads files at random between devices: the
consolidated report never depends on who holds what.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from conseiller_app.central import devices as central_devices
from conseiller_app.central import indicators as CI
from conseiller_app.central import ingest, publish, reference
from conseiller_app.central.service import init
from conseiller_app.cli import central as central_cli
from conseiller_app.domain import indicators as I
from conseiller_app.domain.consolidation import DIMENSIONS
from conseiller_app.domain.indicators import Filters
from conseiller_app.domain.reference import load_reference
from conseiller_app.resources import reference_dir
from conseiller_app.storage.services import Context, facts, sessions
from conseiller_app.storage.services import indicators as device_indicators
from conseiller_app.storage.vault import Vault
from conseiller_app.sync import service as sync
from tests.central.conftest import new_db_url
from tests.conftest import Clock
from tests.storage import test_indicators as T
from tests.sync.helpers import PASSPHRASE, register_device

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")

#: Which device holds which files: one per territory (Arras, Lens, Calais), as in issue 9's table.
DEVICES = {"arras": ("Marie Dupont", "arrageois", "A"), "lens": ("Karim Benali", "lens_lievin", "L"),
           "calais": ("Sophie Vasseur", "calaisis", "C")}


def make_device(folder: Path, name: str, territory: str) -> tuple[Context, Clock]:
    clock = Clock(T.TODAY)
    vault = Vault.create(folder, PASSPHRASE, name, territory, "MDS", check_policy=False)
    return Context(vault, today=clock), clock


def create_sessions(ctx: Context, clock: Clock, ids: dict[str, str]) -> None:
    """Issue 9's sessions and their funding lines, on the device that keeps the calendar."""
    clock.value = date(2025, 8, 1)
    for key, kind, commune, chantier, start, end, agencies in T.SESSIONS:
        ids[key] = sessions.create(ctx, {"kind": kind, "title": f"{kind} {key}", "start_date": start,
                                         "end_date": end, "commune": T.COMMUNES[commune], "capacity": 20,
                                         "chantier": chantier}).id
        if kind == "spott":
            facts.set_spott(ctx, ids[key], {"agencies": [T.AGENCIES[a] for a in agencies.split()]})
    clock.value = T.TODAY
    for key, spec, when in T.SESSION_FUNDING:
        funder, line, euros = spec.split("/")
        facts.add_funding(ctx, {"target_kind": "session", "target_id": ids[key], "funder": funder, "line": line,
                                "amount": euros, "granted_on": when})


def build_files(ctx: Context, clock: Clock, ids: dict[str, str], keys: set[str]) -> None:
    """The files ``keys`` of issue 9's table, by the services, in the table's own order of events."""
    events = []
    for n, (key, public, commune, spotted, journey, extra) in enumerate(T.parse_files()):
        if key not in keys:
            continue
        clock.value = spotted
        from conseiller_app.storage.services import beneficiaries

        bid = ids[key] = beneficiaries.create(ctx, {
            "last_name": f"Dossier{chr(65 + n // 26)}{chr(65 + n % 26)}", "first_name": "Test", "public": public,
            "birth_date": T._age(public), "commune": T.COMMUNES[commune], "spotting_date": spotted})
        for token in journey:
            events.append(T._journey_event(ctx, clock, ids, bid, token))
        for token in extra:
            events.append(T._fact_event(ctx, ids, bid, token))
    for when, _, action in sorted(events, key=lambda e: (e[0], e[1])):
        clock.value = when
        action()
    clock.value = T.TODAY


def add_envelopes(central) -> None:
    """The AKTIV compétences envelopes of issue 9's table, as a reference release."""
    data = dataclasses.replace(load_reference(reference_dir()), aktiv_envelopes=dict(T.ENVELOPES))
    reference.add_release(central, data, "enveloppes AKTIV de test")


def new_central(url: str, keys: Path, ctxs: list[Context], *, existing_keys: bool):
    central = init(url, keys, "Siège de test", existing_keys=existing_keys)
    add_envelopes(central)
    for ctx in ctxs:
        register_device(central, ctx)
    return central


@dataclasses.dataclass
class Fleet:
    folder: Path
    keys: Path
    bundles: list[Path]  # every bundle the devices sent, in the order they were sent
    device_ids: dict[str, str]
    device_folders: dict[str, Path]
    device_json: dict[str, dict]  # each device's own ``conseiller indicators`` JSON (no filter)
    device_reports: dict[str, dict[str, dict]]  # device -> filter name -> report JSON
    sqlite_url: str


FILTERS = {
    "everything": Filters(),
    "q2_2026": Filters.quarter(2026, 2),
    "lens_rsa": Filters(territory="lens_lievin", public="rsa"),
    "csne": Filters(chantier="csne"),
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Fleet:
    """Three devices sync issue 9's table to a SQLite central office (sessions first, published to
    every device, then the files)."""
    folder = tmp_path_factory.mktemp("parc")
    keys = folder / "cles"
    url = f"sqlite:///{folder / 'siege.db'}"
    ctxs: dict[str, tuple[Context, Clock]] = {k: make_device(folder / k, name, terr)
                                              for k, (name, terr, _) in DEVICES.items()}
    central = init(url, keys, "Siège de test")
    add_envelopes(central)
    bundles: list[Path] = []
    out, back = folder / "vers-siege", folder / "vers-appareils"
    out.mkdir()
    back.mkdir()
    try:
        for ctx, _ in ctxs.values():
            sync.enroll(ctx, keys / "inscription-siege.json")
            register_device(central, ctx)
        ids: dict[str, str] = {}
        arras, arras_clock = ctxs["arras"]
        create_sessions(arras, arras_clock, ids)
        bundles.append(Path(sync.export(arras, out).path))
        assert ingest.ingest_file(central, bundles[-1]).status == "ingere"
        made = {p.device_id: Path(p.file or "") for p in publish.publish(central, back)}
        for ctx, _ in ctxs.values():  # the calendar and the envelopes reach every device
            sync.import_bundle(ctx, made[sync.identity(ctx).device_id])
        for key, (ctx, clock) in ctxs.items():
            letter = DEVICES[key][2]
            build_files(ctx, clock, ids, {k for k, _, commune, *_ in T.parse_files() if commune == letter})
        for ctx, _ in ctxs.values():
            bundles.append(Path(sync.export(ctx, out).path))
            assert ingest.ingest_file(central, bundles[-1]).status == "ingere"
        reports = {key: {name: device_indicators.compute(ctx, f).to_json() for name, f in FILTERS.items()}
                   for key, (ctx, _) in ctxs.items()}
        device_ids = {key: sync.identity(ctx).device_id for key, (ctx, _) in ctxs.items()}
    finally:
        central.close()
        for ctx, _ in ctxs.values():
            ctx.vault.close()
    return Fleet(folder, keys, bundles, device_ids, {k: folder / k for k in DEVICES},
                 {k: r["everything"] for k, r in reports.items()}, reports, url)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def central(request, fleet, tmp_path_factory):
    """The fleet's central office: the SQLite one the devices synced with, or a PostgreSQL one
    (same keys) that received the very same bundles."""
    from conseiller_app.central.service import open_central

    if request.param == "sqlite":
        c = open_central(fleet.sqlite_url, fleet.keys)
    else:
        url = new_db_url(request, tmp_path_factory, "postgresql")
        c = init(url, fleet.keys, "Siège de test", existing_keys=True)
        add_envelopes(c)
        from conseiller_app.central.models import Device
        from conseiller_app.central.service import open_central as _open

        src = _open(fleet.sqlite_url)
        try:
            with src.db.read() as conn:
                rows = [dict(r) for r in conn.execute(Device.__table__.select()).mappings()]
        finally:
            src.close()
        with c.db.write() as conn:
            for r in rows:
                conn.execute(Device.__table__.insert().values(**{**r, "audit_seq": 0, "central_seq_seen": 0,
                                                                  "publish_seq": 0}))
        for b in fleet.bundles:
            assert ingest.ingest_file(c, b).status == "ingere"
    yield c
    c.close()


def rate(r) -> tuple:
    return (r.dynamic, r.counted, r.neutral, r.rate)


def funnel(report) -> dict[str, tuple[int, int]]:
    return {f.stage: (f.reached, f.current) for f in report.funnel}


# --- issue 9's hand-computed values ----------------------------------------------------------------


def test_consolidated_figures_are_issue_9s_hand_computed_values(central):
    r = CI.consolidate(central, Filters(), today=T.TODAY).report
    assert r.spott_grands_chantiers == 3
    assert r.positioned_by_agencies == 6
    assert rate(r.insertion_all) == (9, 12, 3, 0.75)
    assert rate(r.insertion_agencies) == (9, 10, 0, 0.9)
    assert rate(r.insertion_departement) == (0, 2, 3, 0.0)
    assert r.exits_by_outcome == {"emploi_durable": 5, "emploi_transition": 3, "sortie_positive": 1,
                                  "autre_sortie": 3, "sortie_neutre": 3}
    assert r.prevention_completed == 3
    assert (r.pci_count, r.pci_files) == (9, 9)
    assert r.pci_recommendations == {"logement": (4, 3, 0), "mobilite": (3, 1, 1), "garde_enfants": (1, 1, 0),
                                     "budget": (2, 1, 0), "sante_prevention": (1, 1, 0), "droits": (2, 1, 1),
                                     "autre": (1, 0, 1)}
    assert r.fpett_by_line == {"cipi": 950_050, "cdpi": 1_850_000, "spott": 6_500_000, "tremplin_rsa": 230_000}
    assert (r.aktiv_allocated, r.aktiv_committed) == (30_000_000, 450_000)
    assert r.departement_by_line == {"preparatoire_metier": 345_050, "coup_de_pouce": 75_000}
    assert funnel(r) == {"reperage": (30, 4), "atelier": (26, 3), "decouverte": (11, 4), "sas": (5, 1),
                         "positionnement": (13, 1), "action_preparatoire": (2, 0), "formation": (4, 0),
                         "emploi": (10, 2), "sortie": (15, 15), "suivi": (0, 0)}
    assert {k: (d.median, d.count) for k, d in r.delays.items()} == {
        "spotting_to_atelier": (12.0, 26), "atelier_to_agency": (17.0, 13), "agency_to_mission": (30.5, 10)}
    assert {k: v for k, v in r.barriers.items() if v != (0, 0)} == {
        "mobilite": (3, 2), "garde_enfants": (1, 0), "logement": (1, 1), "budget": (1, 0), "numerique": (1, 1),
        "justice": (1, 0)}


def test_filtered_figures_are_issue_9s_too(central):
    q2 = CI.consolidate(central, Filters.quarter(2026, 2), breakdowns=(), today=T.TODAY).report
    assert (q2.spott_grands_chantiers, q2.positioned_by_agencies) == (1, 4)
    assert rate(q2.insertion_all) == (2, 3, 1, 2 / 3)
    assert (q2.pci_count, q2.prevention_completed) == (3, 1)
    assert q2.fpett_by_line == {"cipi": 950_050, "cdpi": 950_000, "spott": 3_300_000, "tremplin_rsa": 230_000}
    assert (q2.aktiv_allocated, q2.aktiv_committed) == (20_000_000, 450_000)
    assert {k: (d.median, d.count) for k, d in q2.delays.items()} == {
        "spotting_to_atelier": (11.5, 8), "atelier_to_agency": (49.0, 5), "agency_to_mission": (33.0, 3)}
    lens = CI.consolidate(central, Filters(territory="lens_lievin", public="rsa"), breakdowns=(),
                          today=T.TODAY).report
    assert (lens.spott_grands_chantiers, lens.positioned_by_agencies) == (0, 2)
    assert rate(lens.insertion_all) == (3, 3, 0, 1.0)
    assert rate(lens.insertion_departement) == (0, 0, 0, None)  # absent, not 0
    assert lens.fpett_by_line == {"cipi": 500_000, "cdpi": 0, "spott": 0, "tremplin_rsa": 110_000}
    csne = CI.consolidate(central, Filters(chantier="csne"), breakdowns=(), today=T.TODAY).report
    assert csne.spott_grands_chantiers == 2 and rate(csne.insertion_all) == (3, 3, 1, 1.0)


# --- the sum of the devices' own figures ----------------------------------------------------------

#: Figures about files (each file is on one device): the consolidated value is the devices' sum.
PER_FILE = (("positioned_by_agencies",), ("prevention_completed",), ("pci", "count"), ("pci", "files"),
            ("insertion_rate", "all", "dynamic"), ("insertion_rate", "all", "counted"),
            ("insertion_rate", "all", "neutral"), ("insertion_rate", "agences", "counted"),
            ("insertion_rate", "departement", "counted"), ("fpett_amount_cents", "total"),
            ("aktiv_envelope_cents", "committed"), ("departement_amount_cents", "total"))


def _get(doc: dict, path: tuple[str, ...]):
    for p in path:
        doc = doc[p]
    return doc


@pytest.mark.parametrize("name", list(FILTERS))
def test_consolidated_counts_are_the_sum_of_the_devices_own(central, fleet, name):
    c = CI.consolidate(central, FILTERS[name], breakdowns=("conseiller",), today=T.TODAY).to_json()
    own = fleet.device_reports
    for path in PER_FILE:
        assert _get(c, path) == sum(_get(r[name], path) for r in own.values()), path
    for i, stage in enumerate(c["funnel"]):
        assert stage["reached"] == sum(r[name]["funnel"][i]["reached"] for r in own.values())
        assert stage["current"] == sum(r[name]["funnel"][i]["current"] for r in own.values())
    for kind, v in c["barriers"].items():
        assert v["identified"] == sum(r[name]["barriers"][kind]["identified"] for r in own.values())
    for outcome, n in c["exits_by_outcome"].items():
        assert n == sum(r[name]["exits_by_outcome"][outcome] for r in own.values())
    # The calendar is shared: every device counts the same SPOTT, and so does the central office.
    assert {r[name]["spott_grands_chantiers"] for r in own.values()} == {c["spott_grands_chantiers"]}
    assert {r[name]["aktiv_envelope_cents"]["allocated"] for r in own.values()} == {
        c["aktiv_envelope_cents"]["allocated"]}
    # One row per conseiller: each is that device's own figure.
    rows = {row["key"]: row for row in c["breakdowns"]["conseiller"]}
    assert len(rows) == 3
    assert sorted(row["pci"] for row in rows.values()) == sorted(r[name]["pci"]["count"] for r in own.values())


def test_one_device_is_that_devices_own_figures(central, fleet):
    for key, did in fleet.device_ids.items():
        mine = CI.consolidate(central, Filters(), device_id=did, breakdowns=(), today=T.TODAY).to_json()
        theirs = fleet.device_json[key]
        mine.pop("breakdowns"), mine.pop("trend"), mine.pop("data_quality")
        mine["filters"].pop("device")
        assert mine == theirs, key


def test_breakdowns_add_up_and_have_french_labels(central):
    c = CI.consolidate(central, Filters.calendar_year(2026), today=T.TODAY)
    assert set(c.breakdowns) == set(DIMENSIONS)
    total = c.report
    territory = c.breakdowns["territory"]
    assert {r.key: r.label for r in territory.rows}["lens_lievin"] == "Lens-Liévin"
    assert sum(r.report.pci_count for r in territory.rows) == total.pci_count == 8
    assert sum(r.report.insertion_all.counted for r in territory.rows) == total.insertion_all.counted
    public = c.breakdowns["public"]
    assert sum(r.report.funnel[0].reached for r in public.rows) == total.funnel[0].reached
    assert [r.key for r in c.breakdowns["quarter"].rows] == ["2026-T1", "2026-T2", "2026-T3", "2026-T4"]
    assert c.breakdowns["quarter"].rows[1].label == "2e trimestre 2026"
    months = c.breakdowns["month"].rows
    assert [r.key for r in months][:2] == ["2026-01", "2026-02"] and len(months) == 12
    assert months[2].label == "mars 2026"
    assert sum(r.report.pci_count for r in months) == total.pci_count
    assert list(c.trend) == list(months)
    headline = CI.consolidate(central, Filters.calendar_year(2026), breakdowns=(), today=T.TODAY)
    assert headline.breakdowns == {} and list(headline.trend) == []
    alone = CI.consolidate(central, Filters.calendar_year(2026), breakdowns=("territory",), trend=True,
                           today=T.TODAY)
    assert [(r.key, r.report) for r in alone.trend] == [(r.key, r.report) for r in months]
    # Convention years from the default signature (8 July 2024): 2026 touches years 2 and 3.
    assert [r.key for r in c.breakdowns["convention_year"].rows] == ["2", "3"]
    assert sum(r.report.spott_grands_chantiers for r in c.breakdowns["convention_year"].rows) == 2
    agency = {r.key: r for r in c.breakdowns["agency"].rows}
    assert agency[T.AGENCIES["AR"]].label == "Intérim Exemple Arras (fictive)"
    conseiller = {r.label for r in c.breakdowns["conseiller"].rows}
    assert conseiller == {"Marie Dupont (Arrageois)", "Karim Benali (Lens-Liévin)", "Sophie Vasseur (Calaisis)"}
    chantier = {r.key: r for r in c.breakdowns["chantier"].rows}
    assert chantier["csne"].label == "Canal Seine-Nord Europe"


@pytest.mark.parametrize(("share", "row_parts"), [(0.0, CI.ROW_PARTS), (1.01, CI.ROW_PARTS),
                                                 (1.01, ("territory", "conseiller", "agency", "chantier", "public",
                                                         "scheme"))])
def test_rows_computed_over_their_files_alone_are_the_same(central, monkeypatch, share, row_parts):
    """Rows whose files are few are computed over those files' rows alone (their index taken from
    the Département's): never a different figure than over the whole Département (forced both
    ways here, and for every breakdown on the files)."""
    monkeypatch.setattr(CI, "SUBSET_BELOW", share)
    monkeypatch.setattr(CI, "ROW_PARTS", row_parts)
    central.cache.pop("indicators_parts", None)
    central.cache.pop("indicators_reports", None)  # computed again, not taken from earlier calls
    for f in (Filters(), Filters.quarter(2026, 2, public="rsa"), Filters(territory="calaisis")):
        c = CI.consolidate(central, f, today=T.TODAY)
        ds = CI.load_dataset(central)
        assert c.report == I.compute(ds, f)
        for dim, breakdown in c.breakdowns.items():
            for row in breakdown.rows:
                assert row.report == I.compute(ds, row.report.filters), (dim, row.key)
        central.cache.pop("indicators_reports", None)
        for did in _device_ids(central):
            one = CI.consolidate(central, f, device_id=did, breakdowns=("territory", "conseiller"), today=T.TODAY)
            assert one.report == I.compute(CI.load_dataset(central, did), f)
            for row in one.breakdowns["territory"].rows:
                assert row.report == I.compute(CI.load_dataset(central, did), row.report.filters)


def _device_ids(central) -> list[str]:
    from conseiller_app.central.models import Device

    with central.db.read() as conn:
        return sorted(conn.execute(Device.__table__.select().with_only_columns(Device.__table__.c.id)).scalars())


def test_data_quality_names_what_the_figures_miss(central):
    from datetime import timedelta

    fresh = CI.consolidate(central, Filters(), breakdowns=(), today=central.now().date()).quality
    assert fresh is not None
    assert (fresh.devices, fresh.files, fresh.files_without_territory, fresh.open_conflicts) == (3, 30, 0, 0)
    assert fresh.stale_devices == () and fresh.notes[0].startswith("Aucune réserve")
    later = CI.consolidate(central, Filters(), breakdowns=(), stale_after_days=30,
                           today=central.now().date() + timedelta(days=45)).quality
    assert len(later.stale_devices) == 3 and all(d.days == 45 for d in later.stale_devices)
    assert "3 appareil(s) sur 3 sans synchronisation depuis plus de 30 jours" in later.notes[0]


def test_cache_follows_new_data(central, fleet):
    first = CI.load_dataset(central)
    assert CI.load_dataset(central) is first  # same data version: not read again
    add_envelopes(central)  # unchanged release: same version, same dataset
    assert CI.load_dataset(central) is first
    data = dataclasses.replace(load_reference(reference_dir()), aktiv_envelopes={2026: 1_000})
    reference.add_release(central, data, "nouvelle enveloppe")
    again = CI.load_dataset(central)
    assert again is not first and again.aktiv_envelopes == {2026: 1_000}
    assert len(again.files) == len(first.files) == 30
    reference.add_release(central, dataclasses.replace(data, aktiv_envelopes=dict(T.ENVELOPES)), "retour")


# --- the command line -------------------------------------------------------------------------------


def _central_cli(capsys, central, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = central_cli.main(["--db", central.db.url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_has_the_device_keys(central, fleet, capsys, monkeypatch):
    from conseiller_app import cli as device_cli

    monkeypatch.setenv("CONSEILLER_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    assert device_cli.main(["--data-dir", str(fleet.device_folders["lens"]), "indicators", "--json"]) == 0
    device = json.loads(capsys.readouterr().out)
    code, out, _ = _central_cli(capsys, central, "indicators", "--json")
    assert code == 0
    consolidated = json.loads(out)

    def shape(doc):
        if isinstance(doc, dict):
            return {k: shape(v) for k, v in doc.items()}
        if isinstance(doc, list) and doc and isinstance(doc[0], dict):
            return [shape(doc[0])]
        return None

    extra = {"breakdowns", "trend", "data_quality"}
    assert set(consolidated) == set(device) | extra
    assert shape({k: v for k, v in consolidated.items() if k not in extra}) == {**shape(device),
                                                                                "filters": {**shape(device["filters"]),
                                                                                            "device": None}}
    assert set(consolidated["breakdowns"]) == set(DIMENSIONS)
    assert consolidated["pci"]["count"] == 9 and consolidated["data_quality"]["files"] == 30

    code, out, _ = _central_cli(capsys, central, "indicators", "--from", "01/04/2026", "--to", "30/06/2026",
                                "--territory", "Lens-Liévin", "--device", fleet.device_ids["lens"], "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["filters"]["territory"] == "lens_lievin" and doc["filters"]["device"] == fleet.device_ids["lens"]
    assert doc["funnel"][0]["reached"] == 9  # F11-F17, F19, F20: spotted in Q2 on the Lens device


def test_cli_text_in_french(central, capsys):
    code, out, _ = _central_cli(capsys, central, "indicators")
    assert code == 0
    assert "Indicateurs consolidés au siège — tous les appareils" in out
    for label in ("1. SPOTT en lien avec les grands chantiers : 3", "Taux d'insertion après le parcours",
                  "5. Points Conseils Intérimaire", "8. Montant investi par le Département", "Repérage",
                  "Qualité des données", "Par territoire"):
        assert label in out, label


@pytest.mark.parametrize("args, field", [
    (("--territory", "Picardie"), "territoire inconnu « Picardie »"),
    (("--from", "31/02/2026"), "Du"),
    (("--from", "01/07/2026", "--to", "01/01/2026"), "la date de fin précède la date de début"),
    (("--public", "retraite"), "public inconnu"),
    (("--chantier", "jo2024"), "chantier inconnu"),
])
def test_cli_refuses_bad_filters(central, capsys, args, field):
    code, out, err = _central_cli(capsys, central, "indicators", *args)
    assert code == 4 and out == ""
    assert field in err and "Donnée invalide" in err


def test_cli_refuses_an_unknown_device(central, capsys):
    code, out, err = _central_cli(capsys, central, "indicators", "--device", "ffffffff")
    assert code != 0 and out == "" and "Aucun appareil ne correspond à « ffffffff »" in err


# --- any partition of the files between devices ---------------------------------------------------

#: Files of issue 9's table that use no session (so that any device can hold them without the
#: shared calendar), with their journeys, facts and funding.
FREE = tuple(k for k, _, _, _, journey, extra in T.parse_files()
             if not any(":" in t.split("@")[0] and not t.startswith("po:") for t in journey)
             and not any(t.startswith("pos:") for t in extra))


@pytest.fixture(scope="module")
def one_vault_reference(tmp_path_factory) -> dict:
    """The same files in a single vault: the device's own computation, the reference."""
    ctx, clock = make_device(tmp_path_factory.mktemp("seul") / "v", "Marie Dupont", "arrageois")
    try:
        build_files(ctx, clock, {}, set(FREE))
        from conseiller_app.storage.profile import set_setting
        from conseiller_app.storage.reference import AKTIV_ENVELOPES_KEY

        with ctx.vault.session() as s:
            set_setting(s, AKTIV_ENVELOPES_KEY, json.dumps([{"year": y, "amount_cents": a}
                                                             for y, a in T.ENVELOPES.items()]))
        return {name: device_indicators.compute(ctx, f).to_json() for name, f in FILTERS.items()}
    finally:
        ctx.vault.close()


# Each example creates up to three vaults and builds some twenty files: few examples, no shrinking.
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck),
          phases=(Phase.explicit, Phase.generate))
@example(owners=[i % 3 for i in range(len(FREE))])
@given(owners=st.lists(st.integers(min_value=0, max_value=2), min_size=len(FREE), max_size=len(FREE)))
def test_any_partition_gives_the_same_consolidation(owners, one_vault_reference, tmp_path_factory):
    assert len(FREE) >= 15
    folder = tmp_path_factory.mktemp("partition")
    used = sorted(set(owners))
    ctxs = {i: make_device(folder / f"d{i}", f"Conseiller {'ABC'[i]}", "arrageois") for i in used}
    central = init(f"sqlite:///{folder / 'siege.db'}", folder / "cles", "Siège de test")
    try:
        add_envelopes(central)
        out = folder / "out"
        out.mkdir()
        own = {}
        for i, (ctx, clock) in ctxs.items():
            sync.enroll(ctx, folder / "cles" / "inscription-siege.json")
            register_device(central, ctx)
            build_files(ctx, clock, {}, {k for k, o in zip(FREE, owners, strict=True) if o == i})
            assert ingest.ingest_file(central, Path(sync.export(ctx, out).path)).status == "ingere"
            own[i] = device_indicators.compute(ctx).to_json()
        for name, f in FILTERS.items():
            got = CI.consolidate(central, f, breakdowns=(), today=T.TODAY).to_json()
            for key in ("breakdowns", "trend", "data_quality"):
                got.pop(key)
            got["filters"].pop("device")
            assert got == one_vault_reference[name], name
        whole = CI.consolidate(central, Filters(), breakdowns=(), today=T.TODAY).to_json()
        for path in PER_FILE:
            assert _get(whole, path) == sum(_get(r, path) for r in own.values()), path
    finally:
        central.close()
        for ctx, _ in ctxs.values():
            ctx.vault.close()


def test_unknown_device_is_refused_by_find(central):
    from conseiller_app.domain.errors import NotFound

    with central.db.read() as conn, pytest.raises(NotFound):
        central_devices.find(conn, "ffffffff")


# --- tombstones and conflicts ----------------------------------------------------------------------


def test_tombstones_are_left_out_and_conflicts_count_in_their_last_accepted_version(db_url, tmp_path):
    """A file deleted on its device is not counted; a session edited on two devices at once (both
    made it a SPOTT of the Canal Seine-Nord) counts as it was before the dispute until a person
    chooses, and the data-quality notes say so."""
    from conseiller_app.central import conflicts
    from conseiller_app.storage import models as m
    from tests.sync.helpers import add_person, add_session, edit, make_vault

    central = init(db_url, tmp_path / "cles", "Siège de test")
    a, b = make_vault(tmp_path / "a"), make_vault(tmp_path / "b", "Karim Benali", "lens_lievin")
    out, back = tmp_path / "out", tmp_path / "back"
    out.mkdir()
    back.mkdir()

    def exchange() -> None:
        for ctx in (a, b):
            assert ingest.ingest_file(central, Path(sync.export(ctx, out).path)).status == "ingere"
        made = {p.device_id: Path(p.file or "") for p in publish.publish(central, back)}
        for ctx in (a, b):
            sync.import_bundle(ctx, made[sync.identity(ctx).device_id])

    try:
        for ctx in (a, b):
            sync.enroll(ctx, tmp_path / "cles" / "inscription-siege.json")
            register_device(central, ctx)
        add_person(a, "Lefèvre")
        gone = add_person(a, "Martin")
        add_person(b, "Benali", commune="62498")
        sid = add_session(a, "Atelier BTP")  # a sensibilisation on 10/12/2026 (CSNE)
        exchange()
        r = CI.consolidate(central, Filters(), breakdowns=()).report
        assert (r.funnel[0].reached, r.spott_grands_chantiers) == (3, 0)

        edit(a, m.Beneficiary, gone, deleted_at=m.utcnow())  # a tombstone (as a purge writes)
        edit(a, m.AtelierSession, sid, kind="spott", title="SPOTT CSNE Arras")
        edit(b, m.AtelierSession, sid, kind="spott", title="SPOTT canal")
        exchange()
        [conflict] = conflicts.list_conflicts(central)
        before = CI.loaded(central)
        assert_like_a_full_read(central)  # what changed was read again, and only that
        c = CI.consolidate(central, Filters(), breakdowns=())
        assert c.report.funnel[0].reached == 2  # the deleted file is gone
        assert c.report.spott_grands_chantiers == 0  # as accepted before the dispute: a sensibilisation
        assert c.quality.open_conflicts == 1 and c.quality.files == 2
        assert any("conflit(s) de synchronisation non résolu(s)" in n for n in c.quality.notes)
        assert len(CI.load_dataset(central, sync.identity(a).device_id).files) == 1

        conflicts.resolve(central, conflict.id, "A")
        assert_like_a_full_read(central)
        assert CI.loaded(central) is not before
        c = CI.consolidate(central, Filters(), breakdowns=())
        assert c.report.spott_grands_chantiers == 1 and c.quality.open_conflicts == 0
    finally:
        a.vault.close()
        b.vault.close()
        central.close()


def test_the_signature_date_moves_the_convention_years(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'siege.db'}"
    init(url, tmp_path / "cles", "Siège de test").close()
    capsys.readouterr()
    assert central_cli.main(["--db", url, "convention"]) == 0
    assert "08/07/2024 (date par défaut" in capsys.readouterr().out
    assert central_cli.main(["--db", url, "convention", "--signature", "15/10/2024"]) == 0
    assert "jusqu'au 14/10/2028" in capsys.readouterr().out
    assert central_cli.main(["--db", url, "convention", "--signature", "01/01/2040"]) == 4
    assert "pas dans le futur" in capsys.readouterr().err
    from conseiller_app.central.service import open_central

    c = open_central(url)
    try:
        assert CI.signature_date(c) == date(2024, 10, 15)
        years = CI.consolidate(c, Filters.calendar_year(2026), breakdowns=("convention_year",), today=T.TODAY)
        rows = years.breakdowns["convention_year"].rows
        assert [(r.key, r.report.filters.start, r.report.filters.end) for r in rows] == [
            ("2", date(2026, 1, 1), date(2026, 10, 14)), ("3", date(2026, 10, 15), date(2026, 12, 31))]
    finally:
        c.close()


def assert_like_a_full_read(central) -> None:
    """The rows kept up to date from the records received since the last read are those a full
    read gives (compared as sets: the order of rows is not part of the result)."""
    updated = CI.loaded(central)
    with central.db.read() as conn:
        full = CI._load(conn, CI.data_version(conn))
    assert updated.version == full.version
    for name in ("files", "steps", "sessions", "registrations", "referrals", "barriers", "pci", "prevention",
                 "funding"):
        assert sorted(map(repr, getattr(updated.dataset, name))) == sorted(map(repr, getattr(full.dataset, name))), name
    assert dict(updated.conseillers) == dict(full.conseillers)
    assert updated.dataset.aktiv_envelopes == full.dataset.aktiv_envelopes


def test_rows_received_later_are_read_alone_and_give_the_same_figures(tmp_path, db_url):
    """A file edited, one deleted and one added after the first read: the rows are updated from
    the records received since, and equal a full read."""
    from conseiller_app.storage import models as m
    from conseiller_app.storage.services import beneficiaries
    from tests.sync.helpers import add_person, edit, make_vault

    central = init(db_url, tmp_path / "cles", "Siège de test")
    a = make_vault(tmp_path / "a")
    out = tmp_path / "out"
    out.mkdir()
    try:
        sync.enroll(a, tmp_path / "cles" / "inscription-siege.json")
        register_device(central, a)
        kept = add_person(a, "Lefèvre")
        gone = add_person(a, "Martin")
        assert ingest.ingest_file(central, Path(sync.export(a, out).path)).status == "ingere"
        first = CI.loaded(central)
        assert {x.public for x in first.dataset.files} == {"rsa"}
        beneficiaries.update(a, kept, {"public": "iae"})
        edit(a, m.Beneficiary, gone, deleted_at=m.utcnow())
        add_person(a, "Durand", commune="62498", public="autre")
        assert ingest.ingest_file(central, Path(sync.export(a, out).path)).status == "ingere"
        assert_like_a_full_read(central)
        files = CI.loaded(central).dataset.files
        assert sorted((x.public, x.territory) for x in files) == [("autre", "lens_lievin"), ("iae", "arrageois")]
    finally:
        a.vault.close()
        central.close()

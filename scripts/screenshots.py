"""Render the application's main screens to PNG files, offscreen, from a temporary demo vault.

    python scripts/screenshots.py docs/screenshots

Everything shown is synthetic (``storage.demo``). Nothing is written outside OUTDIR and a
temporary folder that is removed at the end.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "cheval agrafe batterie correcte 7"
OWNER = ("Marie Dupont", "arrageois", "MDS Arras")
DEMO_FILES = 300
SIZE = (1280, 820)


def pump(app, until: Callable[[], bool] | None = None, timeout: float = 20.0, settle_ms: int = 150) -> None:
    """Process events until ``until()`` holds (or the timeout), then a little longer."""
    deadline = time.monotonic() + timeout
    while until is not None and not until() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    end = time.monotonic() + settle_ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _indicators(app, window, save) -> None:
    """The Indicateurs page on the demo vault (figures of the demo's fictitious files)."""
    window.workspace.show_page("indicators")
    page = window.workspace.page("indicators")
    pump(app, lambda: page.data is not None, timeout=120)
    save(window, "09-indicateurs")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)

    from conseiller_app.storage import demo
    from conseiller_app.storage.vault import Vault
    from conseiller_app.ui.app import create_application
    from conseiller_app.ui.main_window import MainWindow
    from conseiller_app.ui.worker import DbWorker

    app = create_application(["screenshots"])
    shots: list[Path] = []

    def save(window, name: str) -> None:
        pump(app)
        path = out / f"{name}.png"
        window.grab().save(str(path))
        shots.append(path)

    def save_dialog(dialog, name: str) -> None:
        """Dialogs are windows of their own: grabbed alone."""
        pump(app, settle_ms=300)
        path = out / f"{name}.png"
        dialog.grab().save(str(path))
        shots.append(path)

    with tempfile.TemporaryDirectory(prefix="captures-") as tmp:
        # 1. First run: an empty data folder.
        worker = DbWorker(synchronous=True)
        window = MainWindow(Path(tmp) / "nouveau", worker, watch_session_lock=False)
        window.resize(*SIZE)
        window.show()
        assistant = window.first_run
        assistant.passphrase.setText(PASSPHRASE)
        assistant.confirm.setText(PASSPHRASE)
        assistant.meter.update_now()
        assistant.name.setText(OWNER[0])
        assistant.territory.setCurrentIndex(assistant.territory.findData(OWNER[1]))
        assistant.office.setText(OWNER[2])
        save(window, "01-premier-demarrage")
        window.close()
        worker.shutdown()

        # 2. A demo vault, then the application on it.
        data_dir = Path(tmp) / "demo"
        vault = Vault.create(data_dir, PASSPHRASE, *OWNER)
        demo.generate(vault, DEMO_FILES, seed=62)
        showcase = _upcoming_sessions(vault)
        vault.close()

        worker = DbWorker(synchronous=True)
        window = MainWindow(data_dir, worker, watch_session_lock=False)
        window.resize(*SIZE)
        window.show()
        pump(app)
        save(window, "02-deverrouillage")

        window.unlock_screen.passphrase.setText(PASSPHRASE)
        window.unlock_screen.submit()
        pump(app, lambda: window.session.is_open)
        window.workspace.show_page("dashboard")
        pump(app, lambda: window.dashboard.loaded)
        save(window, "03-tableau-de-bord")

        page = window.beneficiaries
        window.workspace.show_page("beneficiaries")
        list_page = page.list_page
        pump(app, lambda: list_page.model.rowCount() > 0 and "…" not in str(list_page.model.index(0, 0).data()))
        save(window, "04-liste-beneficiaires")

        # One file, every tab.
        first_id = _first_file_with_history(worker)
        page.open_file(first_id)
        pump(app, lambda: page.current_editor() is not None and page.current_editor().title() != "")
        editor = page.current_editor()
        tab_names = ["identite", "freins", "consentements", "parcours", "notes", "historique"]
        for index, name in enumerate(tab_names[: editor.tabs.count()]):
            editor.tabs.setCurrentIndex(index)
            pump(app, settle_ms=300)
            save(window, f"05-fiche-{index + 1}-{name}")
        # The Parcours tab's guided orientation (one page of the wizard), closed without saving.
        editor.tabs.setCurrentIndex(editor.TAB_PATHWAY)
        pump(app, lambda: editor.pathway.wizard_button.isEnabled())
        editor.pathway.open_wizard()
        pump(app, lambda: editor.pathway.wizard is not None and editor.pathway.wizard.wizard is not None)
        save_dialog(editor.pathway.wizard, "05-fiche-4b-orientation-guidee")
        editor.pathway.wizard.reject()

        _ateliers_and_orientations(app, window, worker, showcase, save, save_dialog)
        _indicators(app, window, save)
        window.workspace.show_page("settings")
        pump(app, lambda: window.settings_page.name.text() != "")
        save(window, "07-parametres")

        window.lock()
        pump(app, lambda: not window.session.is_open)
        window.close()
        worker.shutdown()

        # 3. Synchronisation: a demo vault never goes to the central office, so a small vault of
        #    its own exchanges once with a central office in the temporary folder.
        data_dir = _synchronised_vault(Path(tmp))
        worker = DbWorker(synchronous=True)
        window = MainWindow(data_dir, worker, watch_session_lock=False)
        window.resize(*SIZE)
        window.show()
        window.unlock_screen.passphrase.setText(PASSPHRASE)
        window.unlock_screen.submit()
        pump(app, lambda: window.session.is_open)
        window.workspace.show_page("sync")
        pump(app, lambda: window.workspace.pages["sync"].status is not None)
        save(window, "08-synchronisation")
        window.lock()
        pump(app, lambda: not window.session.is_open)
        window.close()
        worker.shutdown()

    for path in shots:
        print(path)
    return 0


def _upcoming_sessions(vault) -> str:
    """A few sessions in the coming weeks (the demo's are spread over two years), one of them on
    Christmas, and a full one with a waiting list. Returns the full one's id."""
    from datetime import date, timedelta

    from conseiller_app.storage.services import Context, search, sessions

    ctx = Context(vault)
    today = date.today()
    christmas = date(today.year if today < date(today.year, 12, 24) else today.year + 1, 12, 24)
    plan = [
        ("sensibilisation", "Atelier BTP — Arras", 3, 0, "Arras", "MDS d'Arras, salle 2"),
        ("sensibilisation", "Atelier BTP — Lens", 5, 0, "Lens", "Maison de l'emploi"),
        ("decouverte", "Découverte gros œuvre — Béthune", 8, 2, "Béthune", "Lycée Louis Blaringhem"),
        ("information_collective", "Info collective CSNE — Saint-Omer", 10, 0, "Saint-Omer", "Espace Ressources"),
        ("sensibilisation", "Atelier BTP — Calais", 12, 0, "Calais", "MDS de Calais"),
        ("spott", "SPOTT canalisation — Hénin-Beaumont", 15, 4, "Hénin-Beaumont", "AKTO, salle 1"),
        ("sensibilisation", "Atelier BTP — Boulogne-sur-Mer", 17, 0, "Boulogne-sur-Mer", "MDS du Boulonnais"),
    ]
    for kind, title, offset, length, commune, place in plan:
        start = today + timedelta(days=offset)
        sessions.create(ctx, {"kind": kind, "title": title, "start_date": start,
                              "end_date": start + timedelta(days=length), "commune": commune, "place": place,
                              "capacity": 12, "chantier": "csne", "trades": ["macon", "coffreur_bancheur"]})
    sessions.create(ctx, {"kind": "decouverte", "title": "Découverte second œuvre — Liévin", "start_date": christmas,
                          "end_date": christmas + timedelta(days=2), "commune": "Liévin", "place": "GRETA",
                          "capacity": 10, "chantier": "erbm", "trades": ["plaquiste", "peintre"]})
    full = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP — Arras (Grands chantiers)",
                                 "start_date": today, "commune": "Arras", "place": "MDS d'Arras, salle 1",
                                 "capacity": 8, "chantier": "csne", "trades": ["macon", "conducteur_engins"],
                                 "organiser": "departement"})["id"]
    from conseiller_app.storage.services import beneficiaries

    beneficiaries.create(ctx, {"last_name": "N'Diaye", "first_name": "Aïssatou", "birth_date": "1994-07-02",
                               "commune": "Arras", "public": "rsa"})  # no consent yet: the referral dialog asks
    people = [r["id"] for r in search.search(ctx, "", limit=400) if r["territory"] == "arrageois"]
    registered = 0
    for bid in people:
        if registered == 11:
            break
        try:
            sessions.register(ctx, full, bid)
            registered += 1
        except Exception:  # noqa: BLE001 - a file whose pathway cannot follow: take the next one
            continue
    return full


def _ateliers_and_orientations(app, window, worker, showcase: str, save, save_dialog) -> None:
    from conseiller_app.domain.enums import Attendance
    from conseiller_app.ui.documents import pdf_support

    pdf_support.open_externally = lambda _path: True  # never start a PDF reader from the script

    page = window.ateliers
    window.workspace.show_page("ateliers")
    pump(app, lambda: page.model.rowCount() > 0 and "…" not in str(page.model.index(0, 0).data()))
    save(window, "06-ateliers-1-liste")
    from datetime import date, timedelta

    page.views.setCurrentIndex(1)
    page.calendar.show_day(date.today() + timedelta(days=8))  # the coming weeks' sessions
    pump(app, lambda: len(page.calendar.calendar.counts) > 3)
    save(window, "06-ateliers-2-calendrier")
    page.views.setCurrentIndex(0)
    page.open_session(showcase)
    pump(app, lambda: page.session_view.participants.rowCount() > 0)
    save(window, "06-ateliers-3-session")
    dialog = page.edit_session(page.session_view.session)
    save_dialog(dialog, "06-ateliers-4-modifier")
    dialog.reject()
    page.start_attendance(page.session_view.session)
    mode = page.attendance
    pump(app, lambda: mode.model.rowCount() > 0)
    for row, value in enumerate([Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT, Attendance.PRESENT,
                                 Attendance.EXCUSED]):
        mode.mark(row, value.value)
    mode.view.selectRow(5)
    save(window, "06-ateliers-5-pointage")
    mode.closed.emit()
    pump(app, lambda: page.session_view.session is not None)
    preview = page.print_sheet(showcase, False)
    pump(app, lambda: preview.path is not None)
    save_dialog(preview, "06-ateliers-6-feuille-emargement")
    preview.reject()

    orientations = window.orientations
    window.workspace.show_page("orientations")
    pump(app, lambda: orientations.model.rowCount() > 0 and "…" not in str(orientations.model.index(0, 0).data()))
    orientations.table.selectRow(1)
    pump(app, lambda: orientations.current is not None)
    save(window, "07-orientations-1-liste")
    orientations.show_no_news()
    pump(app, lambda: not orientations.model.is_searching())
    orientations.table.selectRow(0)
    pump(app, lambda: orientations.current is not None and orientations.current["no_news"])
    save(window, "07-orientations-2-sans-nouvelles")
    dialog = orientations.change_status()
    save_dialog(dialog, "07-orientations-3-statut")
    dialog.reject()
    dialog = orientations.new_referral()
    dialog.picker.edit.setText("ndiaye aïss")
    dialog.picker.search_now()
    pump(app, lambda: dialog.picker.results.count() > 0)
    dialog.scheme.setCurrentIndex(dialog.scheme.findData("cipi"))
    dialog.trade_filter.setCurrentIndex(dialog.trade_filter.findData("macon"))
    dialog.summary.setPlainText("Mobilité : permis B obtenu en octobre. Garde d'enfants organisée le matin.")
    dialog.submit()
    pump(app, lambda: not dialog._busy)
    save_dialog(dialog, "07-orientations-4-nouvelle")
    consent = dialog.ask_consent()
    if consent is not None:
        save_dialog(consent, "07-orientations-5-consentement")
        consent.reject()
    dialog.reject()


def _first_file_with_history(worker) -> str:
    """A file far along its pathway (more to show in every tab)."""
    from sqlalchemy import select

    from conseiller_app.storage import models as m

    result: list[str] = []

    def pick(ctx) -> str:
        with ctx.vault.session() as s:
            return s.scalar(select(m.Beneficiary.id).where(m.Beneficiary.current_stage == "formation")
                            .order_by(m.Beneficiary.sort_name).limit(1)) \
                or s.scalar(select(m.Beneficiary.id).order_by(m.Beneficiary.sort_name).limit(1))

    worker.submit(pick, on_done=result.append)
    return result[0]


def _synchronised_vault(tmp: Path) -> Path:
    """A vault enrolled with a central office: one bundle sent and acknowledged, one waiting."""
    from conseiller_app.central import devices, ingest, publish
    from conseiller_app.central.service import init
    from conseiller_app.storage.services import Context, beneficiaries
    from conseiller_app.storage.vault import Vault
    from conseiller_app.sync import service as sync

    data_dir = tmp / "poste"
    vault = Vault.create(data_dir, PASSPHRASE, *OWNER)
    central = init(f"sqlite:///{tmp / 'siege.db'}", tmp / "siege", "Mission Insertion par l'Emploi")
    try:
        ctx = Context(vault)
        people = [("Martin", "Léa"), ("Bernard", "Yanis"), ("Petit", "Inès"), ("Durand", "Noah")]

        def add(last: str, first: str) -> None:
            beneficiaries.create(ctx, {"last_name": last, "first_name": first, "birth_date": "1991-05-17",
                                       "commune": "62041", "public": "rsa"})

        for last, first in people[:2]:
            add(last, first)
        sync.enroll(ctx, tmp / "siege" / "inscription-siege.json")
        out = tmp / "cle-usb"
        out.mkdir()
        first_bundle = Path(sync.export(ctx, out)["path"])
        ingest.ingest_file(central, first_bundle)
        devices.approve(central, sync.identity(ctx)["device_id"])
        [answer] = publish.publish(central, tmp / "retour")
        sync.import_bundle(ctx, Path(answer["file"]))
        for last, first in people[2:]:
            add(last, first)
        sync.export(ctx, out)
    finally:
        central.close()
        vault.close()
    return data_dir


if __name__ == "__main__":
    sys.exit(main(sys.argv))

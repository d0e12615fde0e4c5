"""A guided tour of every screen and dialog on synthetic data (``storage.demo``), at a chosen
window size: the screenshots script saves each stop as a PNG, the accessibility and layout tests
walk each stop's widget tree. One tour, so that the three look at the same screens.

``tour()`` is a generator of ``Stop``: the caller does what it wants with the widget before asking
for the next stop; the tour then closes what it opened. Nothing is written outside ``folder``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

PASSPHRASE = "cheval agrafe batterie correcte 7"
OWNER = ("Marie Dupont", "arrageois", "MDS Arras")


@dataclass(frozen=True)
class Stop:
    """One screen (``window``: the main window) or dialog (a window of its own) to look at."""

    name: str
    widget: QWidget
    is_dialog: bool = False


def pump(until: Callable[[], bool] | None = None, timeout: float = 20.0, settle_ms: int = 150) -> None:
    """Process events until ``until()`` holds (or the timeout), then a little longer."""
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + timeout
    while until is not None and not until() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    end = time.monotonic() + settle_ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def tour(folder: Path, size: tuple[int, int] = (1280, 800), demo_files: int = 300) -> Iterator[Stop]:
    from conseiller_app.storage import demo
    from conseiller_app.storage.vault import Vault
    from conseiller_app.ui.main_window import MainWindow
    from conseiller_app.ui.worker import DbWorker

    folder = Path(folder)

    def open_window(data_dir: Path):
        worker = DbWorker(synchronous=True)
        window = MainWindow(data_dir, worker, watch_session_lock=False)
        window.resize(*size)
        window.show()
        pump()
        return worker, window

    def close_window(worker, window) -> None:
        if window.session.is_open:
            window.lock()
            pump(lambda: not window.session.is_open)
        window.close()
        window.deleteLater()
        worker.shutdown()
        pump(settle_ms=50)

    # 1. First run: an empty data folder.
    worker, window = open_window(folder / "nouveau")
    assistant = window.first_run
    assistant.passphrase.setText(PASSPHRASE)
    assistant.confirm.setText(PASSPHRASE)
    assistant.meter.update_now()
    assistant.name.setText(OWNER[0])
    assistant.territory.setCurrentIndex(assistant.territory.findData(OWNER[1]))
    assistant.office.setText(OWNER[2])
    yield Stop("01-premier-demarrage", window)
    close_window(worker, window)

    # 2. A demo vault, then the application on it.
    data_dir = folder / "demo"
    vault = Vault.create(data_dir, PASSPHRASE, *OWNER)
    demo.generate(vault, demo_files, seed=62)
    showcase = _upcoming_sessions(vault)
    vault.close()

    worker, window = open_window(data_dir)
    yield Stop("02-deverrouillage", window)
    window.unlock_screen.passphrase.setText(PASSPHRASE)
    window.unlock_screen.submit()
    pump(lambda: window.session.is_open)
    window.workspace.show_page("dashboard")
    pump(lambda: window.dashboard.loaded)
    yield Stop("03-tableau-de-bord", window)

    page = window.beneficiaries
    window.workspace.show_page("beneficiaries")
    list_page = page.list_page
    pump(lambda: list_page.model.rowCount() > 0 and "…" not in str(list_page.model.index(0, 0).data()))
    yield Stop("04-liste-beneficiaires", window)

    # One file, every tab.
    first_id = _first_file_with_history(worker)
    page.open_file(first_id)
    pump(lambda: page.current_editor() is not None and page.current_editor().title() != "")
    editor = page.current_editor()
    tab_names = ["identite", "freins", "consentements", "parcours", "notes", "historique"]
    for index, name in enumerate(tab_names[: editor.tabs.count()]):
        editor.tabs.setCurrentIndex(index)
        pump(settle_ms=300)
        yield Stop(f"05-fiche-{index + 1}-{name}", window)
    # The Parcours tab's guided orientation (one page of the wizard), closed without saving.
    editor.tabs.setCurrentIndex(editor.TAB_PATHWAY)
    pump(lambda: editor.pathway.wizard_button.isEnabled())
    editor.pathway.open_wizard()
    pump(lambda: editor.pathway.wizard is not None and editor.pathway.wizard.wizard is not None)
    yield Stop("05-fiche-4b-orientation-guidee", editor.pathway.wizard, True)
    editor.pathway.wizard.reject()
    pump()

    yield from _ateliers_and_orientations(window, showcase)

    # The Indicateurs page on the demo vault (figures of the demo's fictitious files).
    window.workspace.show_page("indicators")
    indicators = window.workspace.page("indicators")
    pump(lambda: indicators.data is not None, timeout=120)
    yield Stop("09-indicateurs", window)

    settings = window.settings_page
    window.workspace.show_page("settings")
    pump(lambda: settings.name.text() != "")
    yield Stop("07-parametres", window)
    settings.ask_passphrase_change()
    yield Stop("07-parametres-2-phrase-de-passe", settings.passphrase_dialog, True)
    settings.passphrase_dialog.reject()
    settings.open_retention_dialog()
    pump(settle_ms=300)
    yield Stop("07-parametres-3-conservation", settings.retention_dialog, True)
    settings.retention_dialog.reject()
    close_window(worker, window)

    # 3. Synchronisation: a demo vault never goes to the central office, so a small vault of
    #    its own exchanges once with a central office in the temporary folder.
    data_dir, enrollment = _synchronised_vault(folder)
    worker, window = open_window(data_dir)
    window.unlock_screen.passphrase.setText(PASSPHRASE)
    window.unlock_screen.submit()
    pump(lambda: window.session.is_open)
    window.workspace.show_page("sync")
    sync_page = window.workspace.pages["sync"]
    pump(lambda: sync_page.status is not None)
    yield Stop("08-synchronisation", window)
    from conseiller_app.sync import service as sync
    from conseiller_app.ui.sync_page.enroll_dialog import EnrollDialog

    dialog = EnrollDialog(sync.read_enrollment(enrollment), "Mission Insertion par l'Emploi", window)
    dialog.open()
    yield Stop("08-synchronisation-2-inscription", dialog, True)
    dialog.reject()
    close_window(worker, window)


def _ateliers_and_orientations(window, showcase: str) -> Iterator[Stop]:
    from conseiller_app.domain.enums import Attendance
    from conseiller_app.ui.documents import pdf_support

    pdf_support.open_externally = lambda path: True  # never start a PDF reader from the tour

    page = window.ateliers
    window.workspace.show_page("ateliers")
    pump(lambda: page.model.rowCount() > 0 and "…" not in str(page.model.index(0, 0).data()))
    yield Stop("06-ateliers-1-liste", window)
    page.views.setCurrentIndex(1)
    page.calendar.show_day(date.today() + timedelta(days=8))  # the coming weeks' sessions
    pump(lambda: len(page.calendar.calendar.counts) > 3)
    yield Stop("06-ateliers-2-calendrier", window)
    page.views.setCurrentIndex(0)
    page.open_session(showcase)
    pump(lambda: page.session_view.participants.rowCount() > 0)
    yield Stop("06-ateliers-3-session", window)
    dialog = page.edit_session(page.session_view.session)
    pump(settle_ms=300)
    yield Stop("06-ateliers-4-modifier", dialog, True)
    dialog.reject()
    dialog = page.ask_register(page.session_view.session)
    dialog.picker.edit.setText("ma")
    dialog.picker.search_now()
    pump(lambda: dialog.picker.results.count() > 0)
    yield Stop("06-ateliers-4b-inscrire", dialog, True)
    dialog.reject()
    page.start_attendance(page.session_view.session)
    mode = page.attendance
    pump(lambda: mode.model.rowCount() > 0)
    for row, value in enumerate([Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT, Attendance.PRESENT,
                                 Attendance.EXCUSED]):
        mode.mark(row, value.value)
    mode.view.selectRow(5)
    yield Stop("06-ateliers-5-pointage", window)
    dialog = mode.ask_walk_in()
    pump(settle_ms=200)
    yield Stop("06-ateliers-5b-participant-imprevu", dialog, True)
    dialog.reject()
    mode.closed.emit()
    pump(lambda: page.session_view.session is not None)
    preview = page.print_sheet(showcase, False)
    pump(lambda: preview.path is not None)
    yield Stop("06-ateliers-6-feuille-emargement", preview, True)
    preview.reject()

    orientations = window.orientations
    window.workspace.show_page("orientations")
    pump(lambda: orientations.model.rowCount() > 0 and "…" not in str(orientations.model.index(0, 0).data()))
    orientations.table.selectRow(1)
    pump(lambda: orientations.current is not None)
    yield Stop("07-orientations-1-liste", window)
    orientations.show_no_news()
    pump(lambda: not orientations.model.is_searching())
    orientations.table.selectRow(0)
    pump(lambda: orientations.current is not None and orientations.current.no_news)
    yield Stop("07-orientations-2-sans-nouvelles", window)
    dialog = orientations.change_status()
    pump(settle_ms=200)
    yield Stop("07-orientations-3-statut", dialog, True)
    dialog.reject()
    dialog = orientations.new_referral()
    dialog.picker.edit.setText("ndiaye aïss")
    dialog.picker.search_now()
    pump(lambda: dialog.picker.results.count() > 0)
    dialog.scheme.setCurrentIndex(dialog.scheme.findData("cipi"))
    dialog.trade_filter.setCurrentIndex(dialog.trade_filter.findData("macon"))
    dialog.summary.setPlainText("Mobilité : permis B obtenu en octobre. Garde d'enfants organisée le matin.")
    dialog.submit()
    pump(lambda: not dialog._busy)
    yield Stop("07-orientations-4-nouvelle", dialog, True)
    consent = dialog.ask_consent()
    if consent is not None:
        pump(settle_ms=200)
        yield Stop("07-orientations-5-consentement", consent, True)
        consent.reject()
    dialog.reject()
    pump()


def _upcoming_sessions(vault) -> str:
    """A few sessions in the coming weeks, one of them on Christmas, and a busy one with free
    seats left. Returns the busy one's id."""
    from conseiller_app.storage.services import Context, beneficiaries, search, sessions

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
    busy = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP — Arras (Grands chantiers)",
                                 "start_date": today, "commune": "Arras", "place": "MDS d'Arras, salle 1",
                                 "capacity": 12, "chantier": "csne", "trades": ["macon", "conducteur_engins"],
                                 "organiser": "departement"}).id
    beneficiaries.create(ctx, {"last_name": "N'Diaye", "first_name": "Aïssatou", "birth_date": "1994-07-02",
                               "commune": "Arras", "public": "rsa"})  # no consent yet: the referral dialog asks
    people = [r.id for r in search.search(ctx, "", limit=400) if r.territory == "arrageois"]
    registered = 0
    for bid in people:
        if registered == 10:
            break
        try:
            sessions.register(ctx, busy, bid)
            registered += 1
        except Exception:  # noqa: BLE001 - a file whose pathway cannot follow: take the next one
            continue
    return busy


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


def _synchronised_vault(folder: Path) -> tuple[Path, Path]:
    """A vault enrolled with a central office: one bundle sent and acknowledged, one waiting.
    Returns the data folder and the central office's enrollment file."""
    from conseiller_app.central import devices, ingest, publish
    from conseiller_app.central.service import init
    from conseiller_app.storage.services import Context, beneficiaries
    from conseiller_app.storage.vault import Vault
    from conseiller_app.sync import service as sync

    data_dir = folder / "poste"
    vault = Vault.create(data_dir, PASSPHRASE, *OWNER)
    central = init(f"sqlite:///{folder / 'siege.db'}", folder / "siege", "Mission Insertion par l'Emploi")
    enrollment = folder / "siege" / "inscription-siege.json"
    try:
        ctx = Context(vault)
        people = [("Martin", "Léa"), ("Bernard", "Yanis"), ("Petit", "Inès"), ("Durand", "Noah")]

        def add(last: str, first: str) -> None:
            beneficiaries.create(ctx, {"last_name": last, "first_name": first, "birth_date": "1991-05-17",
                                       "commune": "62041", "public": "rsa"})

        for last, first in people[:2]:
            add(last, first)
        sync.enroll(ctx, enrollment)
        out = folder / "cle-usb"
        out.mkdir()
        first_bundle = Path(sync.export(ctx, out).path or "")
        ingest.ingest_file(central, first_bundle)
        devices.approve(central, sync.identity(ctx).device_id)
        [answer] = publish.publish(central, folder / "retour")
        sync.import_bundle(ctx, Path(answer.file or ""))
        for last, first in people[2:]:
            add(last, first)
        sync.export(ctx, out)
    finally:
        central.close()
        vault.close()
    return data_dir, enrollment

"""The main window wires things together: the screens (first run, unlock, workspace), the pages,
the menus, the status bar, the idle and session-lock watchers. Behaviour lives in those parts.

The unlock screen comes first: the pages (and what they import: the services, SQLAlchemy, the
models, reportlab...) are built only when the vault is open and the page is shown or asked for
(``workspace.page(key)``, or the ``dashboard``/``beneficiaries``... properties). The page shown
after the unlock is built and loaded first; the others wait until the conseiller goes to them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox, QStackedWidget, QWidget

from conseiller_app import APP_NAME, __version__
from conseiller_app.ui.changes import ChangeBus
from conseiller_app.ui.dialog_parking import DialogParking
from conseiller_app.ui.idle import IdleMonitor
from conseiller_app.ui.menus import build_menus, shortcuts_html
from conseiller_app.ui.pages.base import call_hook
from conseiller_app.ui.session import State, VaultSession
from conseiller_app.ui.session_lock import SessionLockWatcher
from conseiller_app.ui.status_bar import ShellStatusBar
from conseiller_app.ui.unlock_screen import UnlockScreen
from conseiller_app.ui.window_state import WindowStateStore
from conseiller_app.ui.worker import BACKGROUND, DbWorker
from conseiller_app.ui.workspace import Workspace

if TYPE_CHECKING:
    from conseiller_app.ui.pages.settings import SettingsPage

PageFactory = Callable[[DbWorker, QWidget | None], QWidget]


def default_beneficiaries_page(worker: DbWorker, parent: QWidget | None = None) -> QWidget:
    from conseiller_app.ui.beneficiaries.page import BeneficiariesPage

    return BeneficiariesPage(worker, parent)


# The other pages, imported only when built.

def _dashboard_page(worker: DbWorker) -> QWidget:
    from conseiller_app.ui.pages.dashboard import DashboardPage

    return DashboardPage(worker)


def _ateliers_page(worker: DbWorker) -> QWidget:
    from conseiller_app.ui.sessions import AteliersPage

    return AteliersPage(worker)


def _orientations_page(worker: DbWorker) -> QWidget:
    from conseiller_app.ui.referrals import OrientationsPage

    return OrientationsPage(worker)


def _indicators_page(worker: DbWorker) -> QWidget:
    from conseiller_app.ui.pages.indicators import IndicatorsPage

    return IndicatorsPage(worker)


def _sync_page(worker: DbWorker) -> QWidget:
    from conseiller_app.ui.sync_page import SyncPage

    return SyncPage(worker)


def _settings_page(worker: DbWorker) -> QWidget:
    from conseiller_app.ui.pages.settings import SettingsPage

    return SettingsPage(worker)


def about_text(tr: Callable[[str], str]) -> str:
    """The « À propos » box: what the application is for, and its version (asked by the support)."""
    return tr(
        "<b>{app}</b><br>Version {version}<br><br>"
        "L'application des conseiller·ères du Département du Pas-de-Calais qui accompagnent les "
        "allocataires du RSA et les jeunes vers les métiers des grands chantiers "
        "(Canal Seine-Nord Europe, ERBM).<br><br>Vos données restent chiffrées sur cet ordinateur."
    ).format(app=APP_NAME, version=__version__)


class MainWindow(QMainWindow):
    """``monotonic`` drives the idle lock, ``wall_clock`` the unlock delays, ``today`` the services:
    all three are injectable for tests."""

    def __init__(self, data_dir: Path, worker: DbWorker, *, monotonic: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time, today: Callable[[], date] = date.today,
                 beneficiaries_factory: PageFactory = default_beneficiaries_page,
                 watch_session_lock: bool = True) -> None:
        super().__init__()
        self.worker = worker
        self.data_dir = Path(data_dir)
        self.setWindowTitle(APP_NAME)
        self.session = VaultSession(worker, self.data_dir, wall_clock=wall_clock, today=today, parent=self)
        self.window_state = WindowStateStore(self.data_dir)
        self._closing = False
        self.parking = DialogParking()  # dialogs hidden at a lock, shown again after the unlock
        self.changes = ChangeBus(self)  # what an operation changed reaches the pages that show it

        # Pages: declared now, built when first needed (see the module's docstring).
        self.workspace = Workspace(dormant=True)
        self._opened_pages: set[str] = set()  # pages that had their vault_opened hook
        self.workspace.page_built.connect(self._page_built)
        tr = self.tr
        for key, title, factory in (
            ("dashboard", tr("Tableau de bord"), _dashboard_page),
            ("beneficiaries", tr("Bénéficiaires"), lambda w: beneficiaries_factory(w, None)),
            ("ateliers", tr("Ateliers"), _ateliers_page),
            ("orientations", tr("Orientations"), _orientations_page),
            ("indicators", tr("Indicateurs"), _indicators_page),
            ("sync", tr("Synchronisation"), _sync_page),
            ("settings", tr("Paramètres"), _settings_page),
        ):
            self.workspace.add_page(key, title, partial(factory, worker))

        # Screens
        self.unlock_screen = UnlockScreen(self.session)
        self.first_run = None  # FirstRunAssistant while there is no vault
        self.screens = QStackedWidget()
        self.screens.addWidget(self.unlock_screen)
        self.screens.addWidget(self.workspace)
        if self.session.state is State.NO_VAULT:
            from conseiller_app.ui.first_run import FirstRunAssistant

            self.first_run = FirstRunAssistant(self.session)
            self.screens.addWidget(self.first_run)
        self.setCentralWidget(self.screens)

        # Chrome
        self.menu_actions = build_menus(self, [(k, self.workspace.nav.item(i).text())
                                          for i, k in enumerate(self.workspace.keys)])
        self.status = ShellStatusBar(self)
        self.setStatusBar(self.status)
        self.idle = IdleMonitor(clock=monotonic, parent=self)
        self.session_watcher = SessionLockWatcher(self) if watch_session_lock else None

        self._connect()
        # An explicit minimum keeps layouts from resetting the window's size hints as pages change.
        self.setMinimumSize(760, 520)
        self.resize(1200, 800)
        self.window_state.restore(self)
        self.workspace.show_page(self.window_state.last_page("dashboard"))
        self._set_navigation_visible(self.window_state.navigation_visible())
        self._show_screen()

    # --- wiring --------------------------------------------------------------------------------

    def _connect(self) -> None:
        a, s = self.menu_actions, self.session
        s.opened.connect(self._vault_opened)
        s.about_to_lock.connect(self._vault_locking)
        s.locked.connect(self._vault_locked)
        s.state_changed.connect(self._state_changed)
        self.idle.timed_out.connect(self.lock)
        self.idle.remaining_changed.connect(self.status.set_countdown)
        if self.session_watcher is not None:
            self.session_watcher.session_locked.connect(self.lock)
        self.worker.busy_changed.connect(self._busy_changed)

        a.new_file.triggered.connect(lambda: self._on_beneficiaries("new_file"))
        a.search.triggered.connect(lambda: self._on_beneficiaries("focus_search"))
        a.save.triggered.connect(self._save_current)
        a.lock.triggered.connect(self.lock)
        a.quit.triggered.connect(self.close)
        a.backup.triggered.connect(lambda: self._on_settings(self.settings_page.ask_backup))
        a.change_passphrase.triggered.connect(lambda: self._on_settings(self.settings_page.ask_passphrase_change))
        a.settings.triggered.connect(lambda: self.workspace.show_page("settings"))
        for key, act in a.pages.items():
            act.triggered.connect(lambda _checked=False, k=key: self.workspace.show_page(k))
        a.toggle_navigation.toggled.connect(self._set_navigation_visible)
        a.shortcuts.triggered.connect(self._show_shortcuts)
        a.about.triggered.connect(self._show_about)
        a.about_qt.triggered.connect(lambda: QMessageBox.aboutQt(self))

    def _page_built(self, key: str, page: QWidget) -> None:
        """Wire a page just built; if the vault is open, let it load (``vault_opened``)."""
        if key == "settings":
            cast("SettingsPage", page).idle_minutes_changed.connect(self.idle.set_timeout_minutes)
        self.changes.attach(page)  # changes_made / shows: no page-to-page wiring here
        status_message = getattr(page, "status_message", None)
        if status_message is not None:
            status_message.connect(lambda text: self.status.showMessage(text, 6000))
        open_beneficiary = getattr(page, "open_beneficiary", None)
        if open_beneficiary is not None:
            open_beneficiary.connect(self.open_beneficiary)
        if self.session.is_open:
            self._opened_pages.add(key)
            call_hook(page, "vault_opened")

    # The pages by name, built on first use.

    @property
    def dashboard(self) -> QWidget:
        return self.workspace.page("dashboard")

    @property
    def beneficiaries(self) -> QWidget:
        return self.workspace.page("beneficiaries")

    @property
    def ateliers(self) -> QWidget:
        return self.workspace.page("ateliers")

    @property
    def orientations(self) -> QWidget:
        return self.workspace.page("orientations")

    @property
    def settings_page(self) -> SettingsPage:
        return cast("SettingsPage", self.workspace.page("settings"))

    def _save_current(self) -> None:
        page = self.workspace.built_page("beneficiaries")
        if page is not None:
            call_hook(page, "save_current")
        else:
            self.status.showMessage(self.tr("Aucun dossier ouvert à enregistrer."), 6000)

    def _on_beneficiaries(self, method: str) -> None:
        self.workspace.show_page("beneficiaries")
        call_hook(self.beneficiaries, method)

    def _on_settings(self, method: Callable[[], None]) -> None:
        self.workspace.show_page("settings")
        method()

    def open_beneficiary(self, beneficiary_id: str) -> None:
        self.workspace.show_page("beneficiaries")
        opener = getattr(self.beneficiaries, "open_file", None)
        if callable(opener):
            opener(beneficiary_id)

    def _set_navigation_visible(self, visible: bool) -> None:
        self.workspace.nav.setVisible(visible)
        if self.menu_actions.toggle_navigation.isChecked() != visible:
            self.menu_actions.toggle_navigation.setChecked(visible)

    def _busy_changed(self, busy: bool) -> None:
        if self.session.is_open:
            self.status.set_busy(busy)

    # --- screens -------------------------------------------------------------------------------

    def _show_screen(self) -> None:
        state = self.session.state
        is_open = state is State.OPEN
        for act in self.menu_actions.needing_vault():
            act.setEnabled(is_open)
        self.menuBar().setEnabled(True)
        if is_open:
            self.screens.setCurrentWidget(self.workspace)
        elif self.first_run is not None and state in (State.NO_VAULT, State.BUSY) and not self.session.info:
            self.screens.setCurrentWidget(self.first_run)
            self.first_run.setFocus()
        else:
            self.screens.setCurrentWidget(self.unlock_screen)
            self.unlock_screen.setFocus()

    def current_screen(self) -> QWidget:
        screen = self.screens.currentWidget()
        assert screen is not None  # the stack always shows one of its screens
        return screen

    # --- vault life cycle ----------------------------------------------------------------------

    def _vault_opened(self, info: dict, first: bool) -> None:
        if self.first_run is not None:
            self.first_run.clear_secrets()
            self.screens.removeWidget(self.first_run)
            self.first_run.deleteLater()
            self.first_run = None
        self.unlock_screen.set_owner(info["name"])
        self.status.set_owner(info["name"])
        # Qt appends the application's name itself (« … — Parcours Grands Chantiers »): say it once.
        self.setWindowTitle(self.tr("Coffre de {name}").format(name=info["name"]))
        self.idle.set_timeout_minutes(int(info["idle_lock_minutes"]))
        self.idle.start()
        self._show_screen()
        self._open_pages()
        self.parking.restore()
        if first:  # leftovers of a crash removed, fonts loaded before the first print
            from conseiller_app.ui.documents.operations import prepare_printing

            self.worker.submit(prepare_printing, on_error=lambda _exc: None, priority=BACKGROUND)
        page = self.workspace.current_page()
        if page is not None:
            page.setFocus()

    def _open_pages(self) -> None:
        """Once the workspace is on screen: the current page first (built now if needed, it
        loads through ``_page_built``), so that its queries lead the worker's queue and it is
        visible when its hook runs; then the pages built earlier, hidden ones."""
        keys = self.workspace.keys
        built_before = [k for k in keys if self.workspace.built_page(k) is not None]
        current = self.workspace.current_key()
        self.workspace.wake()
        for key in sorted(built_before, key=lambda k: k != current):
            page = self.workspace.built_page(key)
            if page is None:
                continue
            if key in self._opened_pages:
                call_hook(page, "unlock")
            else:
                self._opened_pages.add(key)
                call_hook(page, "vault_opened")
        if self.workspace.built_page("sync") is None:
            # The automatic exchange with the central office lives on the Synchronisation page:
            # when it is on, the page is built (hidden) so that its timer runs from the start.
            from conseiller_app.ui.sync_page import ops as sync_ops

            def build_sync_page(minutes: int | None) -> None:
                if minutes:
                    self.workspace.page("sync")

            self.worker.submit(sync_ops.auto_minutes, priority=BACKGROUND, on_done=build_sync_page)

    def lock(self) -> None:
        """Lock now (menu, Ctrl+L, idle timeout, session locked)."""
        self.session.lock()

    def _vault_locking(self) -> None:
        self.idle.stop()
        self.parking.park()
        # What the user chose (Affichage › Afficher la navigation), not whether the list is on
        # screen: at a lock the workspace is already hidden behind the lock screen.
        self.window_state.save(self, self.workspace.current_key(), self.menu_actions.toggle_navigation.isChecked())
        for page in self.workspace.each_page():
            call_hook(page, "lock")
        self.screens.setCurrentWidget(self.unlock_screen)  # hide the pages at once
        for act in self.menu_actions.needing_vault():
            act.setEnabled(False)

    def _vault_locked(self) -> None:
        self.status.set_locked()
        self.setWindowTitle(APP_NAME)
        self._show_screen()

    def _state_changed(self, state: State) -> None:
        if self._closing and state is not State.BUSY:
            QTimer.singleShot(0, self.close)  # a close asked while busy (or locking) goes on now

    # --- help ----------------------------------------------------------------------------------

    def _show_shortcuts(self) -> None:
        QMessageBox.information(self, self.tr("Raccourcis clavier"), shortcuts_html(self, self.menu_actions))

    def _show_about(self) -> None:
        QMessageBox.about(self, self.tr("À propos"), about_text(self.tr))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.session_watcher is not None:
            self.session_watcher.watch_window(int(self.winId()))  # Windows needs a window handle

    # --- closing -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        state = self.session.state
        if state is State.BUSY:
            self._closing = True  # close once the running open/close/create finishes
            event.ignore()
            return
        if state is State.OPEN:
            if not self._confirm_close():
                self._closing = False
                event.ignore()
                return
            self._closing = True
            event.ignore()
            self.lock()  # drafts saved, connections closed; then the window closes
            return
        self.window_state.save(self, self.workspace.current_key(), self.menu_actions.toggle_navigation.isChecked())
        self.idle.detach()
        event.accept()

    def _confirm_close(self) -> bool:
        has_unsaved = getattr(self.workspace.built_page("beneficiaries"), "has_unsaved_changes", None)
        if not callable(has_unsaved) or not has_unsaved():
            return True
        answer = QMessageBox.question(
            self, self.tr("Quitter"),
            self.tr("Une fiche a des modifications non enregistrées. Elles seront gardées en brouillon chiffré "
                    "dans le coffre et vous seront proposées à la prochaine ouverture.\n\nQuitter maintenant ?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

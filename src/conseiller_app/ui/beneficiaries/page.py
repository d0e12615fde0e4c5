"""The Bénéficiaires page hosted by the main window: the list (first tab) and one tab per open
file. The main window wires Ctrl+N / Ctrl+F / Ctrl+S / Ctrl+L to ``new_file``, ``focus_search``,
``save_current`` and ``lock``; it calls ``vault_opened`` once the vault is open and ``unlock``
after the conseiller unlocked it. ``lock`` must be called *before* the vault is closed (its
drafts are queued on the worker ahead of the close)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QTabBar, QTabWidget, QVBoxLayout, QWidget

from conseiller_app.ui.beneficiaries import operations as ops
from conseiller_app.ui.beneficiaries.errors import user_message
from conseiller_app.ui.beneficiaries.file_editor import EditorEnv, FileEditor
from conseiller_app.ui.beneficiaries.list_page import BeneficiaryListPage
from conseiller_app.ui.beneficiaries.widgets import Banner, alive
from conseiller_app.ui.changes import Changes, Kind
from conseiller_app.ui.worker import VaultLocked


class BeneficiariesPage(QWidget):
    status_message = Signal(str)
    changes_made = Signal(object)  # Changes (ui/changes.py), from its editors
    shows = (Kind.FILES,)

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._env: EditorEnv | None = None
        # actions asked for before the vault was open (they get the editors' environment)
        self._waiting: list[Callable[[EditorEnv], object]] = []
        self._locked = False
        self._found_drafts: list[dict] = []

        self.list_page = BeneficiaryListPage(worker)
        self.list_page.open_requested.connect(self.open_file)
        self.list_page.new_requested.connect(self.new_file)
        self.list_page.status_message.connect(self.status_message)

        self.drafts_banner = Banner("warning")
        self.drafts_banner.setAccessibleName(self.tr("Saisies non enregistrées retrouvées"))
        self.reopen_button = self.drafts_banner.add_button(self.tr("Rouvrir"), self.reopen_drafts)
        self.drafts_banner.add_button(self.tr("Plus tard"), self.drafts_banner.clear)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("beneficiaryTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.addTab(self.list_page, self.tr("Liste des dossiers"))
        for side in (QTabBar.ButtonPosition.LeftSide, QTabBar.ButtonPosition.RightSide):
            self.tabs.tabBar().setTabButton(0, side, None)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        # Qt's conventions for documents in tabs: Ctrl+W closes the current file; Ctrl+Tab and
        # Ctrl+PgDown go to the next open file, Ctrl+Shift+Tab and Ctrl+PgUp to the previous one
        # (page-wide, so that the file's own tabs do not take these keys).
        for keys, slot in (("Ctrl+W", self.close_current_tab), ("Ctrl+F4", self.close_current_tab),
                           ("Ctrl+Tab", lambda: self.move_tab(1)), ("Ctrl+PgDown", lambda: self.move_tab(1)),
                           ("Ctrl+Shift+Tab", lambda: self.move_tab(-1)), ("Ctrl+PgUp", lambda: self.move_tab(-1))):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.drafts_banner)
        layout.addWidget(self.tabs, 1)

    # --- the interface the main window uses -----------------------------------------------------

    def vault_opened(self) -> None:
        """Run the first query, load reference lists and the clock, offer drafts left behind.

        The list goes first: its query needs nothing of the reference lists (the filters still
        hold their choices, "Tous" at the first opening), and it is what the conseiller waits for."""
        self._locked = False
        self.list_page.run_query()
        self._worker.submit(ops.environment, on_done=self._environment_loaded, on_error=self._failed)

    def new_file(self) -> None:
        self._when_ready(lambda env: self._add_editor(FileEditor(self._worker, env)))

    def open_file(self, beneficiary_id: str, apply_draft: dict | None = None) -> None:
        def go(env: EditorEnv) -> None:
            existing = self.editor_of(beneficiary_id)
            if existing is not None:
                self.tabs.setCurrentWidget(existing)
                return
            self._add_editor(FileEditor(self._worker, env, beneficiary_id), apply_draft)

        self._when_ready(go)

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.list_page.focus_search()

    def save_current(self) -> None:
        editor = self.current_editor()
        if editor is None:
            self.status_message.emit(self.tr("Aucun dossier ouvert à enregistrer."))
            return
        editor.save()

    def has_unsaved_changes(self) -> bool:
        return any(e.is_dirty() for e in self.editors())

    def lock(self) -> None:
        """Drafts saved (queued before the vault closes), edits kept, personal data cleared."""
        if self._locked:
            return
        self._locked = True
        self.list_page.lock()
        for editor in self.editors():
            editor.lock()
        for i in range(1, self.tabs.count()):
            self.tabs.setTabText(i, self.tr("Dossier"))
            self.tabs.setTabToolTip(i, "")
        self.drafts_banner.clear()

    def unlock(self) -> None:
        if not self._locked:
            return
        self._locked = False
        self.list_page.unlock()
        for editor in self.editors():
            editor.unlock()
            self._retitle(editor)
        self._show_found_drafts()
        env = self._env
        if env is not None:
            waiting, self._waiting = self._waiting, []
            for action in waiting:
                action(env)

    # --- editors ---------------------------------------------------------------------------------

    def editors(self) -> list[FileEditor]:
        return [w for i in range(1, self.tabs.count()) if isinstance(w := self.tabs.widget(i), FileEditor)]

    def current_editor(self) -> FileEditor | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, FileEditor) else None

    def editor_of(self, beneficiary_id: str) -> FileEditor | None:
        return next((e for e in self.editors() if e.beneficiary_id == beneficiary_id), None)

    def _when_ready(self, action: Callable[[EditorEnv], object]) -> None:
        env = self._env
        if env is None or self._locked:
            self._waiting.append(action)
        else:
            action(env)

    def _add_draft_editor(self, key: str, draft: dict, env: EditorEnv) -> None:
        self._add_editor(FileEditor(self._worker, env, draft_key=key), draft)

    def _add_editor(self, editor: FileEditor, apply_draft: dict | None = None) -> FileEditor:
        editor.title_changed.connect(lambda _: self._retitle(editor))
        editor.dirty_changed.connect(lambda _: self._retitle(editor))
        editor.status_message.connect(self.status_message)
        editor.changes_made.connect(self._editor_changed)
        editor.open_requested.connect(self.open_file)
        index = self.tabs.addTab(editor, editor.title())
        self.tabs.setCurrentIndex(index)
        self._retitle(editor)
        editor.load(apply_draft)
        if editor.beneficiary_id is None:
            editor.identity.widget_of("last_name").setFocus(Qt.FocusReason.OtherFocusReason)
        return editor

    def _editor_changed(self, changes: Changes) -> None:
        """One editor wrote: the list and the other editors of the same file follow, then the
        other pages (through the main window's bus)."""
        self.changes_happened(changes)
        self.changes_made.emit(replace(changes, origin=self))

    def changes_happened(self, changes: Changes) -> None:
        if self._locked:
            return
        self.list_page.refresh()
        for editor in self.editors():
            if editor is not changes.origin and editor.beneficiary_id and changes.touches_file(editor.beneficiary_id):
                editor.reload()

    def _retitle(self, editor: FileEditor) -> None:
        if not alive(editor):
            return
        index = self.tabs.indexOf(editor)
        if index < 0 or self._locked:
            return
        title = editor.title()
        self.tabs.setTabText(index, title + (" *" if editor.is_dirty() else ""))
        self.tabs.setTabToolTip(index, title)

    def close_current_tab(self) -> None:
        """Ctrl+W: close the file shown (the list itself stays)."""
        if self.tabs.currentIndex() > 0:
            self.close_tab(self.tabs.currentIndex())

    def move_tab(self, step: int) -> None:
        """Ctrl+Tab / Ctrl+PgDown (and back): the next open file, round to the list."""
        count = self.tabs.count()
        if count > 1:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % count)

    def close_tab(self, index: int) -> None:
        editor = self.tabs.widget(index)
        if not isinstance(editor, FileEditor):
            return
        if self._locked:
            return
        if editor.is_dirty():
            self.tabs.setCurrentIndex(index)
            def answered(ok: bool) -> None:
                if ok:
                    self._remove(editor)

            editor.ask_close(answered)
        else:
            self._remove(editor)

    def _remove(self, editor: FileEditor) -> None:
        if not alive(editor):
            return
        editor.close_editor()
        index = self.tabs.indexOf(editor)
        if index >= 0:
            self.tabs.removeTab(index)
        editor.deleteLater()

    # --- vault opened ------------------------------------------------------------------------------

    def _environment_loaded(self, env: dict) -> None:
        editor_env = self._env = EditorEnv(
            today=env["today"], actor=env["actor"], communes=env["communes"], territories=env["territories"],
            offers=env["offers"], agencies=env["agencies"])
        self.list_page.set_reference(env["territories"], env["conseillers"])
        self._worker.submit(ops.pending_drafts, on_done=self._drafts_found, on_error=self._failed)
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action(editor_env)

    def _drafts_found(self, found: list[dict]) -> None:
        open_keys = {e.draft_key for e in self.editors()}
        self._found_drafts = [d for d in found if d["key"] not in open_keys]
        self._show_found_drafts()

    def _show_found_drafts(self) -> None:
        if not self._found_drafts or self._locked:
            self.drafts_banner.clear()
            return
        names = []
        for d in self._found_drafts:
            name = d["title"] or self.tr("sans nom")
            if d["key"].startswith("new:"):
                name += " " + self.tr("(nouveau dossier)")
            names.append(name)
        text = self.tr("Saisie non enregistrée retrouvée : %1.") if len(names) == 1 else \
            self.tr("Saisies non enregistrées retrouvées : %1.")
        text = text.replace("%1", ", ".join(names))
        self.drafts_banner.show_message(text)

    def reopen_drafts(self) -> None:
        found, self._found_drafts = self._found_drafts, []
        self.drafts_banner.clear()
        for d in found:
            if d["key"].startswith("new:"):
                self._when_ready(partial(self._add_draft_editor, d["key"], d["draft"]))
            elif d.get("beneficiary_id"):
                self.open_file(d["beneficiary_id"], apply_draft=d["draft"])

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, VaultLocked):
            return
        self.status_message.emit(user_message(exc, "page Bénéficiaires"))

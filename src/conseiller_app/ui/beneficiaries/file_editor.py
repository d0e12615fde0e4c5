"""One open beneficiary file (a tab of the page): identity form, barriers, consents, pathway,
notes and history (with the access statement, « Relevé droit d'accès… »); save, drafts autosaved
in the vault, lock/unlock without losing a keystroke.

The editor's life is an explicit :class:`EditorState` (NEW → SAVING → EDITING, OPENING →
EDITING ⇄ SAVING, any → LOCKED → back, any → CLOSED); each user action runs one worker operation
that returns what happened (``operations.Saved`` for « Enregistrer »)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QTabWidget, QVBoxLayout, QWidget

from conseiller_app.domain.beneficiary import Duplicate
from conseiller_app.domain.errors import NotFound
from conseiller_app.storage.services import beneficiaries, drafts
from conseiller_app.storage.services.beneficiaries import FileView
from conseiller_app.storage.services.followup import AuditRow
from conseiller_app.ui.beneficiaries import dialogs
from conseiller_app.ui.beneficiaries import operations as ops
from conseiller_app.ui.beneficiaries.barriers_tab import BarriersTab
from conseiller_app.ui.beneficiaries.communes import CommuneResolver
from conseiller_app.ui.beneficiaries.consents_tab import ConsentsTab
from conseiller_app.ui.beneficiaries.convention_tab import ConventionTab
from conseiller_app.ui.beneficiaries.errors import field_errors, sentence, user_message
from conseiller_app.ui.beneficiaries.file_header import FileHeader
from conseiller_app.ui.beneficiaries.formatting import display_name, fr_date
from conseiller_app.ui.beneficiaries.history_tab import HistoryTab
from conseiller_app.ui.beneficiaries.identity_form import IDENTITY_FIELDS, IdentityForm, field_label
from conseiller_app.ui.beneficiaries.notes_tab import NotesTab
from conseiller_app.ui.beneficiaries.pathway_tab import PathwayTab
from conseiller_app.ui.beneficiaries.validator import FormValidator
from conseiller_app.ui.beneficiaries.widgets import Banner
from conseiller_app.ui.changes import Changes, Kind
from conseiller_app.ui.documents import operations as doc_ops
from conseiller_app.ui.documents.preview import DocumentPreview, show_preview
from conseiller_app.ui.worker import VaultLocked

DRAFT_DELAY_MS = 800
FORM_FIELDS = IDENTITY_FIELDS + ("notes",)


@dataclass
class EditorEnv:
    """What every editor needs, loaded once when the vault opens."""

    today: Callable[[], date] = date.today
    actor: dict = field(default_factory=dict)
    communes: list[dict] = field(default_factory=list)
    territories: list[tuple[str, str]] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)
    agencies: list[dict] = field(default_factory=list)


class EditorState(enum.Enum):
    """What the editor is doing now; each method says which states it acts in."""

    NEW = "new"  # a file not created yet, being typed
    OPENING = "opening"  # the file is being read
    EDITING = "editing"  # the file is shown and can be edited
    SAVING = "saving"  # « Enregistrer » running: validation passed, duplicate check, write, read back
    LOCKED = "locked"  # the vault is locked: the form kept in memory, the widgets empty
    CLOSED = "closed"  # the tab is gone: late results are dropped


def to_form(data: FileView) -> dict[str, Any]:
    """A file as returned by ``beneficiaries.get`` → the editor's form state (display strings)."""
    return {
        "last_name": data.last_name or "",
        "first_name": data.first_name or "",
        "birth_date": fr_date(data.birth_date),
        "public": data.public or "",
        "nationality": data.nationality or "",
        "rqth": bool(data.rqth),
        "address": data.address or "",
        "commune": data.commune_name or "",
        "phone": data.phone_display or "",
        "email": data.email or "",
        "prescriber": data.prescriber or "",
        "spotting_date": fr_date(data.spotting_date),
        "last_contact": fr_date(data.last_contact),
        "caf_number": data.caf_number or "",
        "france_travail_id": data.france_travail_id or "",
        "notes": data.notes or "",
    }


class FileEditor(QWidget):
    """Edits one file. ``beneficiary_id`` None means a new file (draft key ``new:<uuid>``)."""

    title_changed = Signal(str)
    dirty_changed = Signal(bool)
    saved = Signal(str)  # the file's id, after a creation or an update
    status_message = Signal(str)
    open_requested = Signal(str)  # open another file (the probable duplicate)
    changes_made = Signal(object)  # Changes (ui/changes.py): saved, or a tab wrote something

    TAB_IDENTITY, TAB_BARRIERS, TAB_CONSENTS, TAB_PATHWAY, TAB_NOTES, TAB_HISTORY, TAB_CONVENTION = range(7)

    def __init__(self, worker, env: EditorEnv, beneficiary_id: str | None = None,
                 draft_key: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._env = env
        self.beneficiary_id = beneficiary_id
        self.draft_key = draft_key or (ops.draft_key(beneficiary_id) if beneficiary_id else f"new:{uuid.uuid4()}")
        self.validator = FormValidator(env.today, CommuneResolver(env.communes))
        self._territory_names = dict(env.territories)
        self._version: int | None = None
        self._data: FileView | None = None
        self._dirty = False
        self._state = EditorState.NEW if beneficiary_id is None else EditorState.OPENING
        self._unlocked_state = self._state  # the state to go back to after an unlock
        self._loading = False  # set_state on the widgets is running: their change signals are not edits
        self._locked_form: dict[str, Any] | None = None  # the form kept while LOCKED
        self._after_save: Callable[[bool], None] | None = None  # the one caller waiting for a save
        self._deferred: list[Callable[[], None]] = []
        self._draft_stored = False
        self._offered_draft: dict | None = None
        self._title = ""
        self.duplicate_box: QMessageBox | None = None
        self.close_box: QMessageBox | None = None
        self.preview: DocumentPreview | None = None

        self._build()
        self._original = self.state()
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._update_title()
        self._update_header()
        self._enable_file_tabs()

    # --- construction --------------------------------------------------------------------------

    def _build(self) -> None:
        self.header = FileHeader()
        self.header.save_button.clicked.connect(lambda: self.save())
        # Short names used by the tests and the page.
        self.name_label, self.summary_label = self.header.name_label, self.header.summary_label
        self.state_label, self.save_button = self.header.state_label, self.header.save_button

        self.message_banner = Banner("error")
        self.draft_banner = Banner("warning")
        self.draft_banner.add_button(self.tr("Reprendre cette saisie"), self.accept_offered_draft)
        self.draft_banner.add_button(self.tr("Supprimer le brouillon"), self.reject_offered_draft)

        self.identity = IdentityForm()
        self.identity.set_reference(self._env.communes, self._env.today)
        self.identity.set_territory_names(self._territory_names)
        self.identity.changed.connect(self._form_changed)
        self.identity.field_done.connect(self._field_done)
        self.barriers = BarriersTab(self._worker)
        self.barriers.set_offers(self._env.offers)
        self.barriers.changed.connect(lambda msg: self._sub_changed(msg, Kind.FILES))
        self.consents = ConsentsTab(self._worker)
        self.consents.set_context(self._env.today, self._env.actor.get("name", ""), self._env.agencies)
        self.consents.changed.connect(lambda msg: self._sub_changed(msg, Kind.FILES))
        self.pathway = PathwayTab(self._worker)
        self.pathway.set_today(self._env.today)
        # The pathway tab's guided orientation also registers to sessions and creates referrals.
        self.pathway.changed.connect(lambda msg: self._sub_changed(msg, Kind.FILES, Kind.SESSIONS, Kind.REFERRALS))
        self.notes = NotesTab()
        self.notes.changed.connect(self._form_changed)
        self.convention = ConventionTab(self._worker)
        self.convention.set_today(self._env.today)
        self.convention.changed.connect(self._sub_changed)
        self.history = HistoryTab()
        self.history.set_offers(self._env.offers)
        self.history.access_report_requested.connect(self.show_access_report)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("fileTabs")
        self.tabs.addTab(self.identity, self.tr("Identité && contact"))
        self.tabs.addTab(self.barriers, self.tr("Situation && freins"))
        self.tabs.addTab(self.consents, self.tr("Consentements"))
        self.tabs.addTab(self.pathway, self.tr("Parcours"))
        self.tabs.addTab(self.notes, self.tr("Notes"))
        self.tabs.addTab(self.history, self.tr("Historique"))
        self.tabs.addTab(self.convention, self.tr("Convention"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.message_banner)
        layout.addWidget(self.draft_banner)
        layout.addWidget(self.tabs, 1)

    def _enable_file_tabs(self) -> None:
        exists = self.beneficiary_id is not None
        for index in (self.TAB_BARRIERS, self.TAB_CONSENTS, self.TAB_PATHWAY, self.TAB_HISTORY, self.TAB_CONVENTION):
            self.tabs.setTabEnabled(index, exists)
            self.tabs.setTabToolTip(index, "" if exists else self.tr("Enregistrez d'abord le dossier."))

    # --- callbacks from the worker ----------------------------------------------------------------

    def _gui(self, fn: Callable[..., None]) -> Callable[..., None]:
        """Wrap a worker callback: dropped once the tab is closed, deferred while locked."""

        def wrapped(*args: Any) -> None:
            if self._state is EditorState.CLOSED:
                return
            if self._state is EditorState.LOCKED:
                self._deferred.append(lambda: fn(*args))
                return
            fn(*args)

        return wrapped

    # --- state -------------------------------------------------------------------------------------

    @property
    def editor_state(self) -> EditorState:
        return self._state

    def _set_editor_state(self, state: EditorState) -> None:
        self._state = state
        self._update_dirty()

    def state(self) -> dict[str, Any]:
        """The form as typed (display strings), also while locked."""
        if self._locked_form is not None:
            return dict(self._locked_form)
        out = self.identity.state()
        out["notes"] = self.notes.text()
        return out

    def _set_form(self, state: dict[str, Any]) -> None:
        self._loading = True
        try:
            self.identity.set_state(state)
            self.notes.set_text(state.get("notes", ""))
        finally:
            self._loading = False

    def is_dirty(self) -> bool:
        return self.state() != self._original

    def has_unsaved_changes(self) -> bool:
        return self.is_dirty()

    def title(self) -> str:
        return self._title

    def is_locked(self) -> bool:
        return self._state is EditorState.LOCKED

    def _update_title(self) -> None:
        if self._data is not None:
            title = display_name(self._data.last_name, self._data.first_name)
        elif self.beneficiary_id is None:
            title = self.tr("Nouveau dossier")
        else:
            title = self.tr("Dossier")
        if title != self._title:
            self._title = title
            self.title_changed.emit(title)

    def _update_dirty(self) -> None:
        dirty = self.is_dirty()
        if self._state is EditorState.SAVING:
            self.header.show_state("saving")
        elif dirty:
            self.header.show_state("dirty")
        else:
            self.header.show_state("saved" if self.beneficiary_id else "")
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def _update_header(self) -> None:
        self.header.show_file(self._data, self.beneficiary_id is None, self._territory_names)

    # --- loading -----------------------------------------------------------------------------------

    def load(self, apply_draft: dict | None = None) -> None:
        """Open the file (records the consultation). ``apply_draft`` restores a draft at once."""
        if self.beneficiary_id is None:
            if apply_draft:
                self._apply_draft(apply_draft)
            return
        self.state_label.setText(self.tr("Ouverture…"))
        self._worker.submit(ops.open_file, self.beneficiary_id,
                            on_done=self._gui(lambda r: self._opened(r, apply_draft)),
                            on_error=self._gui(self._open_failed))

    def _opened(self, result: dict, apply_draft: dict | None) -> None:
        self._state = EditorState.EDITING
        self._show_data(result["data"], result["audit"])
        self._original = to_form(result["data"])
        self._set_form(self._original)
        draft = apply_draft or result.get("draft")
        if draft:
            self._draft_stored = True
            if {f: draft.get("form", {}).get(f, v) for f, v in self._original.items()} == self._original:
                self.discard_draft()  # nothing in it that is not saved already
            elif apply_draft:
                self._apply_draft(draft)
            else:
                self._offer_draft(draft)
        self._update_dirty()

    def _open_failed(self, exc: BaseException) -> None:
        self.state_label.setText("")
        if isinstance(exc, VaultLocked):
            return
        self.message_banner.show_message(user_message(exc, "ouverture d'un dossier"), "error")
        if isinstance(exc, NotFound):
            self._title = self.tr("Dossier introuvable")
            self.title_changed.emit(self._title)

    def _show_data(self, data: FileView, audit: list[AuditRow]) -> None:
        if self._state is EditorState.OPENING:  # the first read failed (locked meanwhile): now shown
            self._state = EditorState.EDITING
        self._data = data
        self._version = data.version
        self.barriers.set_file(self.beneficiary_id, data.barriers)
        self.consents.set_file(self.beneficiary_id, data.consents)
        self.pathway.set_file(self.beneficiary_id, data.stage_label, [s.to_step() for s in data.steps])
        self.history.set_entries(audit)
        self.convention.set_file(self.beneficiary_id)
        self._update_header()
        self._update_title()

    def reload(self) -> None:
        """Refresh the file's data (not the form being typed) after a change saved here."""
        if self.beneficiary_id is None:
            return
        self._worker.submit(ops.reload_file, self.beneficiary_id,
                            on_done=self._gui(lambda r: self._show_data(r["data"], r["audit"])),
                            on_error=self._gui(self._reload_failed))

    def _reload_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLocked):
            self.message_banner.show_message(user_message(exc, "actualisation d'un dossier"), "error")

    def _sub_changed(self, message: str, *kinds: Kind) -> None:
        self.status_message.emit(message)
        self.reload()
        self.changes_made.emit(Changes.of(*kinds, files=[self.beneficiary_id], origin=self))

    # --- access statement (RGPD article 15) ---------------------------------------------------------

    def show_access_report(self) -> DocumentPreview | None:
        """Write the access statement on the worker and show it in the document preview; the
        History tab then shows the new « Relevé droit d'accès » entry."""
        if self.beneficiary_id is None or self._state in (EditorState.LOCKED, EditorState.CLOSED):
            return None
        self._close_preview()
        preview = self.preview = show_preview(self._worker, self, self.tr("Relevé droit d'accès"),
                                              doc_ops.access_report_pdf, self.beneficiary_id)
        preview.finished.connect(lambda _r: self._preview_closed(preview))
        if preview.path is not None:  # already written (a synchronous worker)
            self.reload()
        else:
            preview.ready.connect(lambda _path: self.reload())
        return preview

    def _preview_closed(self, preview: DocumentPreview) -> None:
        if self.preview is preview:
            self.preview = None

    def _close_preview(self) -> None:
        if self.preview is not None:
            self.preview.close()
        self.preview = None

    # --- drafts ------------------------------------------------------------------------------------

    def _form_changed(self) -> None:
        if self._loading or self.is_locked():
            return
        self._update_dirty()
        self._draft_timer.start()

    def _draft_payload(self, state: dict) -> dict:
        return {
            "form": state,
            "beneficiary_id": self.beneficiary_id,
            "base_version": self._version,
            "title": display_name(state.get("last_name"), state.get("first_name")) or self._title,
            "saved_at": datetime.now().isoformat(timespec="seconds"),
        }

    def save_draft(self) -> None:
        """Keep the current edit in the vault (encrypted), or drop the draft when nothing changed."""
        self._draft_timer.stop()
        if self._offered_draft is not None:
            return  # never overwrite a draft the conseiller has not decided about yet
        state = self.state()
        if state != self._original:
            self._worker.submit(drafts.save, self.draft_key, self._draft_payload(state),
                                on_error=self._gui(self._draft_failed))
            self._draft_stored = True
        elif self._draft_stored and self._offered_draft is None:
            self._worker.submit(drafts.discard, self.draft_key, on_error=self._gui(self._draft_failed))
            self._draft_stored = False

    def discard_draft(self) -> None:
        self._draft_timer.stop()
        if self._draft_stored or self._offered_draft is not None:
            self._worker.submit(drafts.discard, self.draft_key, on_error=self._gui(self._draft_failed))
        self._draft_stored = False
        self._offered_draft = None

    def _draft_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLocked):
            self.status_message.emit(self.tr("Le brouillon n'a pas pu être conservé : %1")
                                     .replace("%1", user_message(exc, "brouillon")))

    def _offer_draft(self, draft: dict) -> None:
        self._offered_draft = draft
        when = _fr_saved_at(draft.get("saved_at", ""))
        text = self.tr("Une saisie non enregistrée de ce dossier a été retrouvée")
        text += (self.tr(" (du %1).").replace("%1", when) if when else ".")
        if draft.get("base_version") not in (None, self._version):
            text += " " + self.tr("Attention : le dossier a été modifié depuis.")
        self.draft_banner.show_message(text)

    def accept_offered_draft(self) -> None:
        draft, self._offered_draft = self._offered_draft, None
        self.draft_banner.clear()
        if draft:
            self._apply_draft(draft)

    def reject_offered_draft(self) -> None:
        self._offered_draft = None
        self.draft_banner.clear()
        self._draft_stored = True
        self.discard_draft()
        if self.is_dirty():
            self._draft_timer.start()
        self.status_message.emit(self.tr("Brouillon supprimé."))

    def _apply_draft(self, draft: dict) -> None:
        form = {f: draft.get("form", {}).get(f, v) for f, v in self._original.items()}
        self._set_form(form)
        self._draft_stored = True
        self._update_dirty()
        self.status_message.emit(self.tr("Saisie non enregistrée reprise : vérifiez-la puis enregistrez."))

    # --- validation -------------------------------------------------------------------------------

    def _field_done(self, name: str) -> None:
        if self.is_locked():
            return
        state = self.state()
        data = {name: state[name]}
        # The « jeune » public depends on the birth date: check the pair together.
        if name == "birth_date" and state["public"]:
            data["public"] = state["public"]
        if name == "public" and state["birth_date"].strip():
            data["birth_date"] = state["birth_date"]
        self.identity.show_errors(self.validator.check(data), only=tuple(data))

    def _show_field_errors(self, errors: dict[str, str]) -> None:
        self.identity.show_errors(errors)
        self.notes.show_error(errors.get("notes", ""))
        others = {f: m for f, m in errors.items() if f not in FORM_FIELDS}
        if "version" in others:
            self.message_banner.show_message(sentence(others.pop("version")), "error")
        if others:
            self.message_banner.show_message(
                "\n".join(f"{field_label(f) if f in FORM_FIELDS else f} : {m}" for f, m in others.items()), "error")
        first = self.identity.first_error_field()
        if first:
            self.tabs.setCurrentIndex(self.TAB_IDENTITY)
            self.identity.widget_of(first).setFocus(Qt.FocusReason.OtherFocusReason)
        elif "notes" in errors:
            self.tabs.setCurrentIndex(self.TAB_NOTES)
        if errors:
            self.status_message.emit(
                self.tr("Le dossier n'est pas enregistré : corrigez ce qui est signalé en rouge."))

    def field_errors(self) -> dict[str, str]:
        """Field → message shown (for tests)."""
        out = {f: self.identity.error_of(f) for f in IDENTITY_FIELDS if self.identity.error_of(f)}
        if self.notes.error_line.text():
            out["notes"] = self.notes.error_line.text()
        return out

    # --- saving ------------------------------------------------------------------------------------

    def save(self, then: Callable[[bool], None] | None = None) -> None:
        """« Enregistrer »: validate, then one worker operation (after the duplicate question for a
        new file) that writes and reads the file back. ``then(ok)`` is told the outcome once."""
        if self._state not in (EditorState.NEW, EditorState.EDITING):
            if then is not None:
                then(False)
            return
        self._after_save = then
        self.message_banner.clear()
        submitted = self.state()
        if self.beneficiary_id is None:
            errors = self.validator.check(submitted, partial=False)
            if errors:
                self._show_field_errors(errors)
                self._finish_save(False)
                return
            self._show_field_errors({})
            self._set_editor_state(EditorState.SAVING)
            self._worker.submit(beneficiaries.find_duplicates, submitted,
                                on_done=self._gui(lambda found: self._duplicates_checked(submitted, found)),
                                on_error=self._gui(self._save_failed))
            return
        changes = {f: v for f, v in submitted.items() if v != self._original.get(f)}
        if not changes:
            self.status_message.emit(self.tr("Aucune modification à enregistrer."))
            self._finish_save(True)
            return
        errors = self.validator.check(changes)
        if errors:
            self._show_field_errors(errors)
            self._finish_save(False)
            return
        self._set_editor_state(EditorState.SAVING)
        self._worker.submit(ops.save_file, self.beneficiary_id, changes, self._version,
                            on_done=self._gui(lambda saved: self._saved(submitted, saved)),
                            on_error=self._gui(self._save_failed))

    def _duplicates_checked(self, submitted: dict, found: list[Duplicate]) -> None:
        if not found:
            self._create(submitted)
            return

        def answered(answer: str) -> None:
            self.duplicate_box = None
            if answer == "create":
                self._create(submitted)
                return
            self._finish_save(False)
            if answer == "open":
                self.open_requested.emit(found[0].id)

        self.duplicate_box = dialogs.warn_duplicate(self, found, answered)

    def _create(self, submitted: dict) -> None:
        self._worker.submit(ops.create_file, submitted, self.draft_key,
                            on_done=self._gui(lambda saved: self._saved(submitted, saved)),
                            on_error=self._gui(self._save_failed))

    def _saved(self, submitted: dict, saved: ops.Saved) -> None:
        """Written and read back: show it, keeping whatever was typed while the save ran."""
        if saved.created:
            self.beneficiary_id = saved.beneficiary_id
            self.draft_key = ops.draft_key(saved.beneficiary_id)
            self._enable_file_tabs()
        fresh = to_form(saved.data)
        current = self.state()
        merged = {f: fresh[f] if current.get(f) == submitted.get(f) else current.get(f) for f in fresh}
        self._original = fresh
        self._draft_stored = False
        self._set_form(merged)
        self._show_data(saved.data, saved.audit)
        self._show_field_errors({})
        self._finish_save(True)
        if self.is_dirty():
            self._draft_timer.start()
        self.status_message.emit(self.tr("Dossier créé.") if saved.created else self.tr("Dossier enregistré."))
        self.saved.emit(self.beneficiary_id)
        self.changes_made.emit(Changes.of(Kind.FILES, files=[self.beneficiary_id], origin=self))

    def _save_failed(self, exc: BaseException) -> None:
        errors = field_errors(exc)
        if errors is not None:
            self._show_field_errors(errors)
        elif isinstance(exc, VaultLocked):
            self.message_banner.show_message(
                self.tr("Le coffre a été verrouillé avant l'enregistrement : enregistrez de nouveau."), "error")
        else:
            message = user_message(exc, "enregistrement d'un dossier")
            self.message_banner.show_message(message, "error")
            self.status_message.emit(message)
        self._finish_save(False)

    def _finish_save(self, ok: bool) -> None:
        """The one end of every save: back to editing, and the waiting caller told."""
        if self._state is EditorState.SAVING:
            self._set_editor_state(EditorState.EDITING if self.beneficiary_id else EditorState.NEW)
        else:
            self._update_dirty()
        then, self._after_save = self._after_save, None
        if then is not None:
            then(ok)

    # --- closing -----------------------------------------------------------------------------------

    def ask_close(self, on_answer: Callable[[bool], None]) -> None:
        """Unsaved changes: ask Enregistrer / Ignorer / Annuler; ``on_answer(True)`` to close."""

        def answered(answer: str) -> None:
            self.close_box = None
            if answer == "save":
                self.save(then=on_answer)
            elif answer == "discard":
                self.discard_draft()
                on_answer(True)
            else:
                on_answer(False)

        self.close_box = dialogs.ask_save_before_close(self, self._title, answered)

    def close_editor(self) -> None:
        """The tab goes away: stop timers; late results are ignored."""
        self._draft_timer.stop()
        if not self.is_dirty() and self._draft_stored and self._offered_draft is None:
            self.discard_draft()
        dialogs.dismiss(self.duplicate_box)
        dialogs.dismiss(self.close_box)
        self._close_preview()
        self._state = EditorState.CLOSED

    # --- lock ----------------------------------------------------------------------------------------

    def lock(self) -> None:
        """Save the draft, keep the edit in memory, clear every widget holding personal data."""
        if self.is_locked():
            return
        state = self.state()
        self.save_draft()
        dialogs.dismiss(self.duplicate_box)
        dialogs.dismiss(self.close_box)
        self.duplicate_box = self.close_box = None
        self._close_preview()  # personal data on screen
        # A save running goes on: its result is applied on unlock (``_gui`` defers it).
        self._unlocked_state = (EditorState.EDITING if self.beneficiary_id else EditorState.NEW) \
            if self._state is EditorState.SAVING else self._state
        self._state = EditorState.LOCKED
        self._locked_form = state
        self._locked_tab = self.tabs.currentIndex()
        self._loading = True
        try:
            self.identity.clear()
            self.notes.set_text("")
            self.notes.show_error("")
        finally:
            self._loading = False
        self.barriers.clear()
        self.consents.clear()
        self.pathway.clear()
        self.history.clear()
        self.convention.clear()
        self.message_banner.clear()
        self.draft_banner.clear()
        self.header.clear()
        self._data = None

    def unlock(self) -> None:
        if not self.is_locked():
            return
        state, self._locked_form = self._locked_form, None
        self._state = self._unlocked_state
        self._set_form(state or {})
        self.tabs.setCurrentIndex(self._locked_tab)
        self._update_header()
        self._update_dirty()
        deferred, self._deferred = self._deferred, []
        for fn in deferred:
            fn()
        if self._offered_draft is not None:
            self._offer_draft(self._offered_draft)
        self.reload()


def _fr_saved_at(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return ""
    return moment.strftime("%d/%m/%Y à %H:%M")


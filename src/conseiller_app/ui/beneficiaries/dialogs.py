"""The editor's questions, as window-modal message boxes opened without a nested event loop
(``open()``): the answer arrives by callback, and tests can click the buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from conseiller_app.domain.beneficiary import Duplicate
from conseiller_app.ui.beneficiaries.formatting import display_name, fr_date


def ask(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str, informative: str,
        buttons: list[tuple[str, str, QMessageBox.ButtonRole]], on_answer: Callable[[str], None],
        default: str | None = None) -> QMessageBox:
    """Show a question; ``on_answer`` receives the key of the clicked button ('' if closed)."""
    box = QMessageBox(icon, title, text, parent=parent)
    box.setInformativeText(informative)
    keys: dict[QAbstractButton | None, str] = {}
    for key, label, role in buttons:
        button = box.addButton(label, role)
        keys[button] = key
        if key == default:
            box.setDefaultButton(button)

    def finished() -> None:
        answer = keys.get(box.clickedButton(), "")
        box.deleteLater()
        on_answer(answer)

    box.finished.connect(finished)
    box.open()
    return box


def click(box: QMessageBox, key_label: str) -> None:
    """Press the button whose text is ``key_label`` (tests and keyboard helpers)."""
    for button in box.buttons():
        if button.text() == key_label:
            button.click()
            return
    raise LookupError(key_label)


_TEXTS = {
    "unsaved_title": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "Modifications non enregistrées"),
    "unsaved_text": QT_TRANSLATE_NOOP("BeneficiaryDialogs",
                                      "Le dossier « %1 » a des modifications non enregistrées."),
    "unsaved_info": QT_TRANSLATE_NOOP(
        "BeneficiaryDialogs",
        "Enregistrer les garde ; Ignorer les abandonne définitivement ; Annuler laisse le dossier ouvert."),
    "save": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "Enregistrer"),
    "discard": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "Ignorer"),
    "cancel": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "Annuler"),
    "born": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "né·e le %1"),
    "duplicate_title": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "Dossier semblable"),
    "duplicate_text": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "Un dossier semblable existe déjà : %1."),
    "duplicate_info": QT_TRANSLATE_NOOP(
        "BeneficiaryDialogs", "Vérifiez qu'il ne s'agit pas de la même personne avant de créer un nouveau dossier."),
    "open": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "Ouvrir le dossier existant"),
    "create": QT_TRANSLATE_NOOP("BeneficiaryDialogs", "Créer quand même"),
}


def _t(key: str) -> str:
    return QCoreApplication.translate("BeneficiaryDialogs", str(_TEXTS[key]))


def ask_save_before_close(parent: QWidget, title: str, on_answer: Callable[[str], None]) -> QMessageBox:
    role = QMessageBox.ButtonRole
    return ask(
        parent, QMessageBox.Icon.Warning, _t("unsaved_title"), _t("unsaved_text").replace("%1", title),
        _t("unsaved_info"),
        [("save", _t("save"), role.AcceptRole), ("discard", _t("discard"), role.DestructiveRole),
         ("cancel", _t("cancel"), role.RejectRole)],
        on_answer, default="save",
    )


def describe_duplicate(d: Duplicate) -> str:
    born = fr_date(d.birth_date)
    parts = [display_name(d.last_name, d.first_name)]
    if born:
        parts.append(_t("born").replace("%1", born))
    if d.commune_name:
        parts.append(d.commune_name)
    return ", ".join(parts) + (f" ({d.reason})" if d.reason else "")


def warn_duplicate(parent: QWidget, duplicates: list[Duplicate], on_answer: Callable[[str], None]) -> QMessageBox:
    role = QMessageBox.ButtonRole
    more = ""
    if len(duplicates) > 1:
        more = "\n" + "\n".join("• " + describe_duplicate(d) for d in duplicates[1:])
    return ask(
        parent, QMessageBox.Icon.Warning, _t("duplicate_title"),
        _t("duplicate_text").replace("%1", describe_duplicate(duplicates[0])) + more, _t("duplicate_info"),
        [("open", _t("open"), role.AcceptRole), ("create", _t("create"), role.DestructiveRole),
         ("cancel", _t("cancel"), role.RejectRole)],
        on_answer, default="open",
    )


def dismiss(box: QMessageBox | None) -> None:
    """Close a pending question without answering it (the vault locks: it may show a name)."""
    from conseiller_app.ui.beneficiaries.widgets import alive

    if box is not None and alive(box):
        box.finished.disconnect()
        box.reject()
        box.deleteLater()

"""The main window's actions, menus (Fichier, Édition, Affichage, Aide) and keyboard shortcuts.
Only builds them; the main window connects them."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from conseiller_app import APP_NAME


@dataclass
class ShellActions:
    new_file: QAction
    save: QAction
    search: QAction
    backup: QAction
    change_passphrase: QAction
    lock: QAction
    quit: QAction
    settings: QAction
    toggle_navigation: QAction
    shortcuts: QAction
    about: QAction
    about_qt: QAction
    pages: dict[str, QAction] = field(default_factory=dict)

    def needing_vault(self) -> list[QAction]:
        """Actions that make sense only while the vault is open."""
        return [self.new_file, self.save, self.search, self.backup, self.change_passphrase, self.lock,
                self.settings, self.toggle_navigation, *self.pages.values()]


def build_menus(window: QMainWindow, pages: list[tuple[str, str]]) -> ShellActions:
    """``pages``: (key, title) in navigation order; each gets Ctrl+1, Ctrl+2..."""
    tr = window.tr

    def action(
        text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None, tip: str = ""
    ) -> QAction:
        act = QAction(text, window)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
        window.addAction(act)  # shortcuts work even with the menu bar hidden
        return act

    actions = ShellActions(
        new_file=action(tr("&Nouveau dossier"), QKeySequence.StandardKey.New,
                        tr("Créer la fiche d'une nouvelle personne accompagnée")),
        save=action(tr("&Enregistrer"), QKeySequence.StandardKey.Save, tr("Enregistrer la fiche en cours")),
        search=action(tr("&Rechercher un dossier"), QKeySequence.StandardKey.Find,
                      tr("Chercher une personne par nom, commune ou n° CAF")),
        backup=action(tr("&Sauvegarder le coffre…"), None, tr("Enregistrer une copie chiffrée du coffre")),
        change_passphrase=action(tr("&Changer la phrase de passe…")),
        lock=action(tr("&Verrouiller"), "Ctrl+L", tr("Fermer le coffre et afficher l'écran de déverrouillage")),
        quit=action(tr("&Quitter"), QKeySequence.StandardKey.Quit),
        settings=action(tr("&Paramètres"), QKeySequence.StandardKey.Preferences),
        toggle_navigation=action(tr("Afficher la &navigation")),
        shortcuts=action(tr("&Raccourcis clavier"), QKeySequence.StandardKey.HelpContents),
        about=action(tr("À &propos de {app}").format(app=APP_NAME)),
        about_qt=action(tr("À propos de &Qt")),
    )
    actions.toggle_navigation.setCheckable(True)
    actions.toggle_navigation.setChecked(True)

    bar = window.menuBar()
    file_menu = bar.addMenu(tr("&Fichier"))
    file_menu.addActions([actions.new_file, actions.save])
    file_menu.addSeparator()
    file_menu.addActions([actions.backup, actions.change_passphrase])
    file_menu.addSeparator()
    file_menu.addActions([actions.lock, actions.quit])

    edit_menu = bar.addMenu(tr("É&dition"))
    edit_menu.addAction(actions.search)
    edit_menu.addSeparator()
    edit_menu.addAction(actions.settings)

    view_menu = bar.addMenu(tr("&Affichage"))
    for number, (key, title) in enumerate(pages, start=1):
        act = action(title, f"Ctrl+{number}" if number <= 9 else None)
        actions.pages[key] = act
        view_menu.addAction(act)
    view_menu.addSeparator()
    view_menu.addAction(actions.toggle_navigation)

    help_menu = bar.addMenu(tr("Ai&de"))
    help_menu.addActions([actions.shortcuts, actions.about, actions.about_qt])
    return actions


def shortcuts_html(window: QMainWindow, actions: ShellActions) -> str:
    """The list shown by Aide > Raccourcis clavier, built from the actions themselves."""
    rows = []
    for act in (actions.new_file, actions.search, actions.save, actions.lock, actions.settings,
                *actions.pages.values(), actions.quit):
        keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            rows.append(
                f"<tr><td style='padding-right:16px'><b>{keys}</b></td><td>{act.text().replace('&', '')}</td></tr>"
            )
    return "<table>" + "".join(rows) + "</table>"

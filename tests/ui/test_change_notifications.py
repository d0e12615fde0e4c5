"""Operations report what they changed (ui/changes.py): a change reaches the pages subscribed to
its kind and not the others (nor the page that made it); in the application, a referral created
on the Orientations page reaches the open file of that person (its history shows it), and the
retention purge still refreshes the Bénéficiaires list, with no page-to-page wiring."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from conseiller_app.storage.services import beneficiaries, followup
from conseiller_app.ui.changes import ChangeBus, Changes, Kind

ARRAS_AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"


class Page(QWidget):
    def __init__(self, *kinds: Kind) -> None:
        super().__init__()
        self.shows = kinds
        self.heard: list[Changes] = []

    def changes_happened(self, changes: Changes) -> None:
        self.heard.append(changes)


def test_a_change_reaches_only_the_pages_showing_its_kind(qtbot):
    bus = ChangeBus()
    referrals_page, sessions_page, dashboard = Page(Kind.REFERRALS), Page(Kind.SESSIONS), Page(*Kind)
    for p in (referrals_page, sessions_page, dashboard):
        qtbot.addWidget(p)
        bus.attach(p)
    change = Changes.of(Kind.REFERRALS, Kind.FILES, files=["b1"], origin=referrals_page)
    bus.publish(change)
    assert dashboard.heard == [change] and dashboard.heard[0].touches_file("b1")
    assert sessions_page.heard == []  # not subscribed to referrals
    assert referrals_page.heard == []  # it made the change and refreshed itself
    bus.publish(Changes.of(Kind.SESSIONS))
    assert len(sessions_page.heard) == 1 and len(dashboard.heard) == 2 and referrals_page.heard == []


def test_a_referral_reaches_the_open_file_and_a_purge_the_list(shell, vault, ctx, passphrase, qtbot):
    bid = beneficiaries.create(ctx, {"last_name": "N'Diaye", "first_name": "Aïssatou", "birth_date": "1992-07-14",
                                     "commune": "Arras", "public": "rsa"})
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name="Intérim Exemple Arras (fictive)",
                            partner_id=ARRAS_AGENCY, scope=["identite"])
    vault.close()
    win = shell.unlocked(passphrase)
    win.open_beneficiary(bid)
    page = win.beneficiaries
    qtbot.waitUntil(lambda: page.editor_of(bid) is not None and bool(page.editor_of(bid).history.entries()), timeout=10_000)
    editor = page.editor_of(bid)
    before = len(editor.history.entries())

    win.workspace.show_page("orientations")
    orientations = win.orientations
    qtbot.waitUntil(lambda: orientations.env is not None)
    dialog = orientations.new_referral()
    dialog.picker.edit.setText("ndiaye")
    dialog.picker.search_now()
    qtbot.waitUntil(lambda: dialog.person is not None)
    assert dialog.choose_agency(ARRAS_AGENCY)
    published = []
    win.changes.published.connect(published.append)
    dialog.create_button.click()
    qtbot.waitUntil(lambda: bool(published))
    assert published[0].kinds == {Kind.REFERRALS, Kind.FILES} and published[0].files == {bid}
    # The file's tab, on another page, reloaded: its history shows the referral.
    qtbot.waitUntil(lambda: len(editor.history.entries()) > before, timeout=10_000)
    assert any("rientation" in label for _who, label in editor.history.entries()[:1] + editor.history.entries()[-1:])

    # A purge (Paramètres › Conservation des données) still refreshes the Bénéficiaires list: a file
    # is added behind the list's back, then the retention dialog reports a purge as it does.
    win.workspace.show_page("beneficiaries")
    qtbot.waitUntil(lambda: page.list_page.model.rowCount() == 1, timeout=10_000)
    win.worker.submit(lambda c: beneficiaries.create(c, {"last_name": "Petit", "first_name": "Léo",
                                                         "birth_date": "1990-01-01", "commune": "Arras",
                                                         "public": "rsa"}))
    assert page.list_page.model.rowCount() == 1  # nothing told it yet
    win.settings_page.open_retention_dialog()
    win.settings_page.retention_dialog.purged.emit(1)
    qtbot.waitUntil(lambda: page.list_page.model.rowCount() == 2, timeout=10_000)

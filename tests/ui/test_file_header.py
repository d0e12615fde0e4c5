"""The open file's header keeps still (one line of summary, a state label of fixed width) and
says its state changes to screen readers; error lines and banners are announced too."""

from __future__ import annotations

from dataclasses import replace

from conseiller_app.storage.services import beneficiaries
from conseiller_app.ui.beneficiaries.file_header import FileHeader
from conseiller_app.ui.widgets import accessibility
from conseiller_app.ui.widgets.feedback import Banner, ErrorLine
from tests.ui.pages_support import OFFSCREEN_NOISE, show

pytestmark = OFFSCREEN_NOISE



def test_the_header_does_not_move_when_the_summary_or_the_state_changes(qtbot, ctx):
    bid = beneficiaries.create(ctx, {"last_name": "Dupont", "first_name": "Jean", "birth_date": "1978-03-02",
                                     "commune": "Béthune", "public": "rsa"})
    data = beneficiaries.get(ctx, bid, record_read=False)
    header = show(qtbot, FileHeader(), size=(700, 80))
    header.show_file(data, False, {"artois": "Artois"})
    assert "Béthune" in header.summary_label.text() and "Repérage" in header.summary_label.text()
    header.show_state("saved")
    qtbot.wait(20)
    height, summary = header.sizeHint().height(), header.summary_label.geometry()
    longer = replace(data, public_label="Jeune de moins de 26 ans suivi par la Mission locale du Béthunois",
                     stage_label="Découverte métiers en entreprise (immersion, PMSMP)")
    header.show_file(longer, False, {"artois": "Artois"})
    header.show_state("dirty")
    qtbot.wait(20)
    assert header.sizeHint().height() == height  # no second line
    assert header.summary_label.geometry() == summary  # the state label did not push it
    assert header.summary_label.toolTip() == header.summary_label.text()  # the whole text stays reachable


def test_state_changes_and_errors_are_announced(qtbot):
    heard: list[str] = []
    accessibility.listeners.append(lambda _w, text: heard.append(text))
    try:
        header = show(qtbot, FileHeader())
        header.show_state("dirty")
        header.show_state("saving")
        header.show_state("saved")
        line = show(qtbot, ErrorLine())
        line.show_error("ce champ est obligatoire.", "Nom")
        banner = show(qtbot, Banner())
        banner.show_message("Session créée.", "success")
    finally:
        accessibility.listeners.clear()
    assert heard == ["Modifications non enregistrées", "Enregistré", "Nom : ce champ est obligatoire.",
                     "Session créée."]

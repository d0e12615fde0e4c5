"""« Relevé droit d'accès… » in the file editor's Historique tab: the statement is written on the
worker under a neutral name, shown in the document preview, recorded in the journal (the tab
shows it), closed with the editor's lock, and removed when the preview closes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from conseiller_app.ui.documents import operations as doc_ops
from conseiller_app.ui.documents import pdf_support
from conseiller_app.ui.documents.preview import DocumentPreview
from tests.ui.pages_support import give_consent
from tests.ui.test_beneficiaries_support import OFFSCREEN_NOISE, make_file
from tests.ui.test_parcours_orientation import editor_for

pytestmark = OFFSCREEN_NOISE


@pytest.fixture(autouse=True)
def opened(monkeypatch):
    """No PDF reader is started in tests (PySide6 without Qt PDF opens the system's)."""
    calls: list[Path] = []
    monkeypatch.setattr(pdf_support, "open_externally", lambda path: calls.append(Path(path)) or True)
    return calls


def test_button_opens_the_statement_in_the_preview(qtbot, ctx, data_dir, sync_worker):
    bid = make_file(ctx, last="Lefèvre", first="Zoé")
    give_consent(ctx, bid)
    make_file(ctx, last="Quérel", first="Bertrand")
    editor = editor_for(qtbot, ctx, sync_worker, bid)
    editor.tabs.setCurrentIndex(editor.TAB_HISTORY)
    button = editor.history.access_button
    assert button.text() == "Relevé droit d'accès…"
    qtbot.waitUntil(lambda: button.isVisible())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    preview = editor.preview
    assert isinstance(preview, DocumentPreview) and preview.windowTitle() == "Relevé droit d'accès"
    qtbot.waitUntil(lambda: preview.path is not None)
    path = preview.path
    assert path.name.startswith("releve-droit-acces-DA-") and "lef" not in str(path).lower()
    assert path.parent.parent == data_dir / doc_ops.PRINT_FOLDER and doc_ops.is_private(path)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(path)).pages).split())
    assert "Lefèvre" in text and "Zoé" in text and "Intérim Exemple Arras" in text and "Quérel" not in text
    # the statement's own read is in the journal, and the tab shows it
    qtbot.waitUntil(lambda: ("Marie Dupont", "Relevé droit d'accès") in editor.history.entries())

    preview.close_button.click()
    assert not path.exists() and editor.preview is None


def test_lock_closes_the_statement(qtbot, ctx, sync_worker):
    bid = make_file(ctx)
    editor = editor_for(qtbot, ctx, sync_worker, bid)
    preview = editor.show_access_report()
    qtbot.waitUntil(lambda: preview.path is not None)
    path = preview.path
    editor.lock()
    assert editor.preview is None and not path.exists()
    assert editor.show_access_report() is None  # nothing while locked

"""Document preview: the PDF is written under a neutral name (the reference, or the session's
date and short id; never a person's name) in a private folder of the vault's data folder, can be
saved elsewhere atomically, and is deleted when the preview closes — also when it closes before
the document is ready (real worker thread) — and leftovers of a crash go at the next start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conseiller_app.reports import attendance_sheet, referral_form
from conseiller_app.storage.services import followup, referrals, sessions
from conseiller_app.ui.documents import operations as doc_ops
from conseiller_app.ui.documents import pdf_support
from conseiller_app.ui.documents.preview import DocumentPreview
from conseiller_app.ui.worker import DbWorker
from tests.ui.pages_support import (
    ARRAS_AGENCY,
    OFFSCREEN_NOISE,
    give_consent,
    make_person,
    make_session,
    open_ateliers,
    open_orientations,
)

pytestmark = OFFSCREEN_NOISE


@pytest.fixture
def opened(monkeypatch):
    """Files the preview asked the system to open (no PDF reader is started in tests)."""
    calls: list[Path] = []
    monkeypatch.setattr(pdf_support, "open_externally", lambda path: calls.append(Path(path)) or True)
    return calls


def test_referral_form_preview_neutral_name_save_as_and_removal(qtbot, ctx, data_dir, tmp_path, sync_worker, opened):
    bid = make_person(ctx, last="Lefèvre", first="Zoé")
    give_consent(ctx, bid)
    ref = referrals.create(ctx, bid, ARRAS_AGENCY, "cipi", trades=["macon"], send=True).reference
    page = open_orientations(qtbot, sync_worker)
    page.select_reference(ref)
    qtbot.waitUntil(lambda: page.current is not None)
    page.form_button.click()
    preview = page.preview
    assert isinstance(preview, DocumentPreview)
    qtbot.waitUntil(lambda: preview.path is not None)
    path = preview.path
    assert path.name == referral_form.filename(ref) == f"{ref}.pdf"
    assert "lef" not in str(path).lower() and "zo" not in path.name.lower()  # no trace of the person's name
    assert path.parent.parent == data_dir / doc_ops.PRINT_FOLDER and doc_ops.is_private(path)
    assert path.read_bytes().startswith(b"%PDF")
    if not pdf_support.HAVE_QTPDF:  # PySide6-Essentials: the system's reader shows it, and says so
        assert opened == [path]
        assert "lecteur PDF" in preview.external.text()
        preview.print_button.click()
        assert "imprimez-le depuis ce lecteur" in preview.banner.text() and opened == [path, path]

    target = tmp_path / "copies" / "fiche"
    target.parent.mkdir()
    with qtbot.waitSignal(preview.saved):
        preview.save_to(target)
    assert (tmp_path / "copies" / "fiche.pdf").read_bytes() == path.read_bytes()
    assert "Document enregistré" in preview.banner.text()
    assert [p.name for p in target.parent.iterdir()] == ["fiche.pdf"]  # no temporary file left beside it

    preview.close_button.click()
    assert not path.exists() and not path.parent.exists()
    assert page.preview is None


def test_attendance_sheets_filled_and_blank(qtbot, ctx, data_dir, sync_worker, opened):
    sid = make_session(ctx)
    sessions.register(ctx, sid, make_person(ctx, last="Dewailly"))
    page = open_ateliers(qtbot, sync_worker)
    page.open_session(sid)
    qtbot.waitUntil(lambda: page.session_view.participants.rowCount() == 1)
    session = sessions.get(ctx, sid)
    for blank, action in ((False, page.session_view.sheet_filled_action), (True, page.session_view.sheet_blank_action)):
        action.trigger()
        preview = page.preview
        qtbot.waitUntil(lambda p=preview: p.path is not None)
        assert preview.path.name == attendance_sheet.filename(session, blank=blank)
        assert re.fullmatch(r"emargement(-vierge)?-2026-12-07-[0-9a-f-]{8}\.pdf", preview.path.name)
        path = preview.path
        preview.reject()
        assert not path.exists()
    assert not any((data_dir / doc_ops.PRINT_FOLDER).iterdir())


def test_closed_before_ready_on_the_real_worker_thread_leaves_no_file(qtbot, ctx, data_dir, opened):
    bid = make_person(ctx)
    give_consent(ctx, bid)
    ref = referrals.create(ctx, bid, ARRAS_AGENCY, "mission").reference
    worker = DbWorker()
    worker.submit(lambda: worker.set_context(ctx), needs_vault=False)
    try:
        preview = DocumentPreview(worker, "Fiche", doc_ops.referral_form_pdf, ref)
        qtbot.addWidget(preview)
        preview.reject()  # before the worker has written it
        done = []
        worker.submit(lambda: None, needs_vault=False, on_done=done.append)  # queued behind the writing
        qtbot.waitUntil(lambda: bool(done))
        assert preview.path is None and opened == []
        assert not any((data_dir / doc_ops.PRINT_FOLDER).iterdir())
    finally:
        worker.shutdown()


def test_missing_consent_is_said_in_the_preview_and_leftovers_are_cleaned(qtbot, ctx, data_dir, sync_worker,
                                                                        opened):
    bid = make_person(ctx)
    consent = give_consent(ctx, bid)
    ref = referrals.create(ctx, bid, ARRAS_AGENCY, "mission").reference
    followup.withdraw_consent(ctx, consent)
    preview = DocumentPreview(sync_worker, "Fiche", doc_ops.referral_form_pdf, ref)
    qtbot.addWidget(preview)
    assert preview.path is None and not preview.print_button.isEnabled()
    assert "retiré son consentement" in preview.banner.text()
    preview.reject()

    stale = data_dir / doc_ops.PRINT_FOLDER / "0123456789ab"
    stale.mkdir(parents=True)
    (stale / "OR-2026-XXXX-000001.pdf").write_bytes(b"%PDF-1.4")
    assert doc_ops.prepare_printing(ctx) == 1
    assert not any((data_dir / doc_ops.PRINT_FOLDER).iterdir())


@pytest.mark.skipif(not pdf_support.HAVE_QTPDF, reason="Qt PDF comes with PySide6-Addons, not installed here")
def test_with_qt_pdf_the_preview_shows_the_pages_and_prints_them(qtbot, ctx, tmp_path, sync_worker, opened):
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from conseiller_app.ui.documents.printing import print_document

    sid = make_session(ctx)
    for name in ("Aubry", "Bécourt"):
        sessions.register(ctx, sid, make_person(ctx, last=name))
    preview = DocumentPreview(sync_worker, "Feuille", doc_ops.attendance_sheet_pdf, sid, False)
    qtbot.addWidget(preview)
    preview.show()
    qtbot.waitUntil(lambda: preview.document is not None and preview.document.pageCount() == 1)
    assert preview.pages.currentWidget() is preview.viewer and opened == []  # shown here, no external reader
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setResolution(150)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "imprime.pdf"))
    assert print_document(preview.document, printer) == 1
    assert len(PdfReader(tmp_path / "imprime.pdf").pages) == 1
    path = preview.path
    preview.reject()
    assert not path.exists()

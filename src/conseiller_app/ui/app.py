"""Starts the desktop application: QApplication, French translations (ours and Qt's own, so that
standard dialogs and buttons are French), the style sheet, the technical log and the main window."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from conseiller_app import APP_NAME
from conseiller_app.resources import resources_dir
from conseiller_app.ui.widgets.formatting import french_typography

log = logging.getLogger(__name__)

STYLE_FILE = "app.qss"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
# For tests and start-time measurements only (the installers' smoke test): when set, the
# application prints the name of the first screen once it is painted, then quits (exit code 0).
QUIT_AFTER_FIRST_SCREEN_ENV = "CONSEILLER_QUIT_AFTER_FIRST_SCREEN"


class QtGapsTranslator(QTranslator):
    """French for the few Qt texts that ``qtbase_fr.qm`` lacks: Qt 6 added mnemonics to its file
    dialog's labels (« &Look in: », « Files of &type: ») and the shipped catalogue still has the
    old keys, so Qt's own file dialog showed English beside French."""

    TEXTS: ClassVar[dict[tuple[str, str], str]] = {
        ("QFileDialog", "&Look in:"): "&Voir dans\u00a0:",
        ("QFileDialog", "Files of &type:"): "&Fichiers de type\u00a0:",
    }

    def translate(self, context, source_text, disambiguation=None, n=-1):
        return self.TEXTS.get((context, source_text))  # None: not ours, Qt asks the next catalogue

    def isEmpty(self) -> bool:  # noqa: N802 - Qt API
        return False


class FrenchTypography(QTranslator):
    """Our own texts as shown: no line break before « : ; ! ? » or inside « » (no-break spaces,
    one place for every screen). Asked last, so a real catalogue's translation wins; Qt's own
    texts (contexts « Q… ») are left to ``qtbase_fr``."""

    def translate(self, context, source_text, disambiguation=None, n=-1):
        if not source_text or (context or "").startswith("Q"):
            return None
        fixed = french_typography(source_text)
        return fixed if fixed != source_text else None

    def isEmpty(self) -> bool:  # noqa: N802 - Qt API
        return False


def install_translations(app: QApplication) -> list[QTranslator]:
    """Load Qt's French catalogues (``qtbase_fr.qm``...) and ours when present. Returns the
    translators (keep them alive as long as the application)."""
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    loaded: list[QTranslator] = []
    typography = FrenchTypography(app)
    app.installTranslator(typography)  # installed first: asked last
    loaded.append(typography)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    own_dir = resources_dir() / "translations"
    for name, folder in (("qtbase_fr", qt_dir), ("conseiller_fr", str(own_dir))):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            loaded.append(translator)
        elif name == "qtbase_fr":
            log.warning("Traduction française de Qt introuvable dans %s", folder)
    gaps = QtGapsTranslator(app)
    app.installTranslator(gaps)  # installed last: asked first
    loaded.append(gaps)
    return loaded


def style_sheet() -> str:
    path = resources_dir() / "styles" / STYLE_FILE
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def app_icon() -> QIcon:
    """The application's icon from its PNG sizes (``resources/icons``; the SVG is their source)."""
    icon = QIcon()
    folder = resources_dir() / "icons"
    for size in ICON_SIZES:
        path = folder / f"conseiller-{size}.png"
        if path.exists():
            icon.addFile(str(path))
    return icon


def setup_logging(data_dir: Path) -> None:
    """Technical log in ``journaux/`` beside the vault (``conseiller_app.logs``): never any
    personal data; bugs are logged by exception type and code location only."""
    from conseiller_app import logs

    with contextlib.suppress(OSError):  # an unwritable folder must not prevent the application from starting
        logs.configure(data_dir)


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("Département du Pas-de-Calais")
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("fr.pasdecalais.ParcoursGrandsChantiers")  # the installed .desktop entry (Wayland)
    app._translators = install_translations(app)  # type: ignore[attr-defined]
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
    return app


def preload(worker=None) -> None:
    """Runs on the database worker once the unlock screen is painted, while the passphrase is
    typed: the storage layer (SQLAlchemy, the models), alembic and the migration scripts, all
    kept out of the start."""
    from conseiller_app.storage import migrate
    from conseiller_app.ui import vault_ops  # noqa: F401 - the storage layer the unlock needs

    migrate.preload()
    if worker is not None and worker.ctx is not None:
        return  # already unlocked: the GUI thread is building the pages, it imports them itself
    # The modules of the two pages shown first after an unlock (~0.2 s of imports that would
    # otherwise run on the GUI thread between the unlock and the list). Importing defines
    # classes and value constants only; every widget is still built on the GUI thread, after
    # the vault opens: the worker runs one job at a time, so not while this one imports.
    import conseiller_app.ui.beneficiaries.page
    import conseiller_app.ui.pages.dashboard  # noqa: F401


def after_first_paint(widget: QWidget, then: Callable[[], None]) -> None:
    """Call ``then()`` once ``widget`` has been painted, on the next turn of the event loop (so
    that work started by ``then`` does not compete with the first frame)."""

    class FirstPaint(QObject):
        def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
            if event.type() == QEvent.Type.Paint:
                widget.removeEventFilter(self)
                self.deleteLater()
                QTimer.singleShot(0, then)
            return False

    widget.installEventFilter(FirstPaint(widget))


def run_gui(data_dir: Path | None = None, argv: list[str] | None = None) -> int:
    """Open the application on ``data_dir`` (default: the platform's data folder); returns the
    exit code."""
    from conseiller_app.storage.lock import APPLICATION, set_process_holder
    from conseiller_app.storage.paths import default_data_dir
    from conseiller_app.ui.errors import install_excepthook
    from conseiller_app.ui.main_window import MainWindow
    from conseiller_app.ui.worker import DbWorker

    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    set_process_holder(APPLICATION)  # what a command refused the vault is told
    setup_logging(data_dir)
    app = create_application(argv)
    install_excepthook()
    worker = DbWorker()
    try:
        window = MainWindow(data_dir, worker)
        # While the passphrase is typed: what opening the vault needs and nobody waits for yet
        # (after the first screen is painted: the imports would compete with it for the GIL).
        def start_preload() -> None:
            worker.submit(preload, worker, needs_vault=False, on_error=lambda exc: None)

        after_first_paint(window.current_screen(), start_preload)
        window.show()
        if os.environ.get(QUIT_AFTER_FIRST_SCREEN_ENV):
            _quit_after_first_screen(app, window)  # painted only once the event loop runs
        code = app.exec()
    finally:
        worker.shutdown()
    return int(code)


def _quit_after_first_screen(app: QApplication, window) -> None:
    """See ``QUIT_AFTER_FIRST_SCREEN_ENV``: prove that a build starts and shows its first screen."""
    started = time.perf_counter()
    screen = window.current_screen()

    def report() -> None:
        shown = window.current_screen()
        ms = (time.perf_counter() - started) * 1000
        print(f"premier écran : {type(shown).__name__} ({ms:.0f} ms après la création de la fenêtre)", flush=True)
        app.quit()

    after_first_paint(screen, report)

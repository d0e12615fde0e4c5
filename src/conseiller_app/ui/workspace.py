"""The unlocked workspace: a side navigation list and the stack of pages it switches between.

Pages are built when first needed (shown, or asked for by ``page(key)``), not with the window:
the unlock screen comes up without importing or constructing them, and a page that is never
visited reads nothing from the vault. ``page_built`` lets the main window wire a new page (and
let it load: a page built to be shown is already the current one when ``page_built`` is emitted,
and gets no ``page_shown`` for that first showing). A ``dormant`` workspace only remembers which
page is selected until ``wake()``: the main window wakes it once the vault is open."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from conseiller_app.ui.pages.base import call_hook
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401

PageFactory = Callable[[], QWidget]


class _Pages(Mapping):
    """``workspace.pages[key]``: the page, built on first access; iteration and ``in`` cover
    every declared key."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def __getitem__(self, key: str) -> QWidget:
        if key not in self._workspace._factories:
            raise KeyError(key)
        return self._workspace.page(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._workspace._keys)

    def __len__(self) -> int:
        return len(self._workspace._keys)


class Workspace(QWidget):
    page_changed = Signal(str)
    page_built = Signal(str, QWidget)  # key, the page just constructed

    def __init__(self, parent: QWidget | None = None, *, dormant: bool = False) -> None:
        super().__init__(parent)
        self._dormant = dormant
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        named(self.nav, self.tr("Navigation"), self.tr("Les pages de l'application ; Ctrl+1 à Ctrl+6 y mènent aussi."))
        self.nav.setFixedWidth(180)  # the longest title, « Synchronisation », fits; more room for pages at 1024 px
        self.nav.setIconSize(QSize(0, 0))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        self._keys: list[str] = []
        self._factories: dict[str, PageFactory] = {}
        self._built: dict[str, QWidget] = {}
        self.pages = _Pages(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.nav.currentRowChanged.connect(self._row_changed)

    def add_page(self, key: str, title: str, page: QWidget | PageFactory) -> None:
        """Declare a page: a widget, or a callable that builds it when first needed."""
        self._keys.append(key)
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setSizeHint(QSize(0, 40))
        self.nav.addItem(item)
        if isinstance(page, QWidget):
            self._factories[key] = lambda: page
            self.page(key)
        else:
            self._factories[key] = page

    def page(self, key: str) -> QWidget:
        """The page ``key``, built now if it was not yet."""
        page = self._built.get(key)
        return page if page is not None else self._build(key, current=False)

    def _build(self, key: str, current: bool) -> QWidget:
        page = self._factories[key]()
        self._built[key] = page
        self.stack.addWidget(page)
        if current:
            self.stack.setCurrentWidget(page)
        self.page_built.emit(key, page)
        return page

    def built_page(self, key: str) -> QWidget | None:
        """The page ``key`` if it was built, without building it."""
        return self._built.get(key)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def current_page(self) -> QWidget | None:
        """The selected page (None while dormant and not built yet)."""
        key = self.current_key()
        return self._built.get(key) if key else None

    def show_page(self, key: str) -> None:
        if key in self._factories:
            self.nav.setCurrentRow(self._keys.index(key))

    def wake(self) -> None:
        """Show the selected page, building it if needed (no ``page_shown``: the main window
        calls the page's ``vault_opened``/``unlock`` hook)."""
        self._dormant = False
        key = self.current_key()
        if key is None:
            return
        page = self._built.get(key)
        if page is None:
            self._build(key, current=True)
        else:
            self.stack.setCurrentWidget(page)

    @property
    def dormant(self) -> bool:
        return self._dormant

    def _row_changed(self, row: int) -> None:
        if not 0 <= row < len(self._keys):
            return
        key = self._keys[row]
        if not self._dormant:
            page = self._built.get(key)
            if page is None:
                self._build(key, current=True)  # loads through page_built
            else:
                self.stack.setCurrentWidget(page)
                call_hook(page, "page_shown")
        self.page_changed.emit(key)

    def each_page(self) -> list[QWidget]:
        """The pages built so far (those never needed have nothing to load, lock or save)."""
        return list(self._built.values())

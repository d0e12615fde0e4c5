"""Measurements on the real Bénéficiaires page (offscreen Qt, the real threaded database worker):
first page shown, scroll to the end, and the GUI thread's longest stall while typing a search.

Times end when the view has *painted* the rows (the end of the first paint of the viewport after
the data arrived), not merely when the data reached the model. The event loop runs as in the
application (``QEventLoop.exec``, see ``gui_stall.wait_until``), keys are typed with QTest.
"""

from __future__ import annotations

import os
import random
import time

from benchmarks.common import Aim, Result, log
from benchmarks.vaults import PASSPHRASE, TODAY, CachedVault

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class PaintClock:
    """Time of the end of each paint of a widget (stamped on the loop turn after the paint)."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        clock = self
        self.condition = None
        self.hit: float | None = None
        self.on_hit = None

        class Filter(QObject):
            def eventFilter(self, watched, event):  # noqa: N802 - Qt API
                if event.type() == QEvent.Type.Paint:
                    cond = clock.condition
                    if cond is not None and clock.hit is None and cond():
                        QTimer.singleShot(0, clock._stamp)
                return False

        self._filter = Filter()
        widget.installEventFilter(self._filter)

    def _stamp(self) -> None:
        if self.hit is None:
            self.hit = time.perf_counter()
            if self.on_hit is not None:
                self.on_hit()

    def arm(self, condition) -> None:
        """The next paint during which ``condition()`` holds will be stamped."""
        self.hit = None
        self.condition = condition


def measure(cv: CachedVault, runs: int, warmup: int = 1) -> list[Result]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from benchmarks.gui_stall import Heartbeat, play, wait_until
    from conseiller_app.domain.text import fold
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault
    from conseiller_app.ui.app import create_application
    from conseiller_app.ui.beneficiaries import BeneficiariesPage
    from conseiller_app.ui.worker import DbWorker

    app = create_application([])
    folder = cv.working_copy("liste")
    vault = Vault.open(folder, PASSPHRASE)
    worker = DbWorker()
    ready: list[bool] = []
    worker.submit(lambda: (worker.set_context(Context(vault, today=lambda: TODAY)), ready.append(True)),
                  needs_vault=False)
    wait_until(lambda: bool(ready))
    page = BeneficiariesPage(worker)
    page.resize(1200, 800)
    page.show()
    wait_until(page.isVisible)
    model = page.list_page.model
    view = page.list_page.view
    edit = page.list_page.search_edit
    clock = PaintClock(view.viewport())
    total = cv.meta["counts"]["beneficiary"]

    first_page = Result("list_first_page", "liste : première page affichée", unit="ms",
                        aim=Aim("median", "<", 150), warmup=warmup)
    scroll = Result("list_scroll_end", "liste : défilement jusqu'à la fin", unit="s", aim=Aim("median", "<", 2),
                    warmup=warmup)
    for i in range(warmup + runs):
        model.clear()
        wait_until(lambda: model.rowCount() == 0)
        clock.arm(lambda: model.rowCount() > 0 and model.row_data(0) is not None)
        t = time.perf_counter()
        page.vault_opened()  # what an unlock triggers: reference lists, then the first query
        wait_until(lambda: clock.hit is not None)
        shown = clock.hit - t
        last = total - 1
        wait_until(lambda: not model.is_searching() and model.rowCount() == total)
        clock.arm(lambda last=last: model.row_data(last) is not None)
        t = time.perf_counter()
        view.scrollToBottom()
        wait_until(lambda: clock.hit is not None)
        scrolled = clock.hit - t
        if i >= warmup:
            first_page.samples.append(shown)
            scroll.samples.append(scrolled)
        view.scrollToTop()
    first_page.notes.append("Du signal d'ouverture du coffre (listes de référence, première requête) à la fin du "
                            "premier affichage des lignes ; le modèle est vidé avant chaque essai.")
    scroll.notes.append(
        f"scrollToBottom sur {total} dossiers, jusqu'à l'affichage des dernières lignes chargées "
        "par le worker (pages de 100 lignes, cache de pages vide : modèle réinitialisé à chaque essai)."
    )
    scroll.extra["rows_fetched_last_run"] = model.fetched_rows

    # Typing: the last name of a file, a space, the first two letters of its first name, one key
    # every 120 ms (QTest types ASCII: the folded form, which the search treats the same).
    with vault.raw() as raw:
        people = raw.execute("SELECT last_name, first_name FROM beneficiary ORDER BY id").fetchall()
    texts = []
    for last, first in random.Random(cv.seed).sample(people, warmup + runs):
        text = f"{fold(last)} {fold(first)[:2]}"
        texts.append("".join(c for c in text if c.isascii() and (c.isalnum() or c == " ")))
    stall = Result("gui_stall_typing", "plus long blocage du fil graphique (frappe)", unit="ms",
                   aim=Aim("max", "<", 50), warmup=warmup)
    beat = Heartbeat()
    edit.setFocus(Qt.FocusReason.OtherFocusReason)
    gaps_over_16, worst_cpu, longest_cpu = [], [], []
    for i, text in enumerate(texts):
        edit.clear()
        wait_until(lambda: not model.is_searching() and model.rowCount() == total and model.row_data(0) is not None)
        beat.start()
        play([lambda ch=ch: QTest.keyClick(edit, ch) for ch in text], 120)
        wanted = page.list_page.current_query()
        wait_until(lambda wanted=wanted: model.query() == wanted and not model.is_searching()
                   and (model.rowCount() == 0 or model.row_data(0) is not None))
        beat.stop()
        gaps, cpu = list(beat.gaps), list(getattr(beat, "cpu", []))
        worst = max(range(len(gaps)), key=gaps.__getitem__)
        if i >= warmup:
            stall.samples.append(gaps[worst] / 1000)
            gaps_over_16.append(sum(g > 16 for g in gaps))
            if cpu:
                worst_cpu.append(round(cpu[worst], 1))
                longest_cpu.append(round(max(cpu), 1))
        log(f"  frappe « {text} » : plus long blocage {gaps[worst]:.1f} ms"
            + (f" (dont {cpu[worst]:.1f} ms de calcul du fil graphique)" if cpu else "")
            + f", {model.rowCount()} résultats")
    stall.extra = {"texts": texts[warmup:], "gaps_over_16ms_per_run": gaps_over_16,
                   "gui_thread_cpu_ms_in_longest_gap": worst_cpu, "longest_gui_thread_cpu_ms": longest_cpu}
    stall.notes.append("Battement de 1 ms sur le fil graphique (gui_stall.Heartbeat) pendant la frappe avec QTest, "
                       "une touche toutes les 120 ms, jusqu'à l'affichage du résultat final ; chaque échantillon est "
                       "le plus long écart d'une saisie.")

    page.close()
    worker.shutdown()
    vault.close()
    app.processEvents()
    return [first_page, scroll, stall]

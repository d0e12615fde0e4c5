"""How long does the GUI thread stall while a conseiller types in the search box of a big vault?

Builds (or reuses) a demo vault of N files, opens the Bénéficiaires page with the real threaded
database worker, types a search one key at a time with QTest and records, with a 1 ms QTimer
heartbeat, every gap of the GUI thread's event loop. Prints the figures; asserts nothing.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_stall.py --files 60000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "banc d'essai lampadaire violet 42"


def open_or_build_vault(folder: Path, files: int):
    from conseiller_app.storage import demo
    from conseiller_app.storage.paths import vault_exists
    from conseiller_app.storage.services import Context, beneficiaries
    from conseiller_app.storage.vault import Vault

    if vault_exists(folder):
        vault = Vault.open(folder, PASSPHRASE)
        count = beneficiaries.count(Context(vault))
        if count == files:
            print(f"Coffre de démonstration réutilisé : {folder} ({count} dossiers)")
            return vault
        vault.close()
        for p in folder.iterdir():
            if p.is_file():
                p.unlink()
    print(f"Création d'un coffre de démonstration de {files} dossiers dans {folder}…", flush=True)
    started = time.perf_counter()
    vault = Vault.create(folder, PASSPHRASE, "Marie Dupont", "arrageois", "MDS Arras", check_policy=False)
    demo.generate(vault, files)
    print(f"  fait en {time.perf_counter() - started:.1f} s", flush=True)
    return vault


class Heartbeat:
    """A 1 ms timer on the GUI thread: each gap between two ticks is how long the loop was busy.

    Beside each gap, the GUI thread's own CPU time during it: a long gap with little CPU is time
    spent waiting (for the GIL held by the worker, or for a processor on a loaded machine)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self.cpu: list[float] = []
        self._last = self._last_cpu = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps, self.cpu = [], []
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._timer.start()

    def stop(self) -> Heartbeat:
        self._timer.stop()
        self._tick()
        return self

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append((now - self._last) * 1000)
        self.cpu.append((cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu


def summary(beat: Heartbeat) -> str:
    gaps = beat.gaps
    if not gaps:
        return "aucune mesure"
    ordered = sorted(gaps)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    return (
        f"plus long blocage {gaps[worst]:.1f} ms (dont {beat.cpu[worst]:.1f} ms de calcul du fil graphique) · "
        f"plus long calcul {max(beat.cpu):.1f} ms · p99 {p99:.1f} ms · médiane {statistics.median(gaps):.2f} ms · "
        f"{sum(g > 16 for g in gaps)} écarts > 16 ms · {sum(g > 50 for g in gaps)} > 50 ms ({len(gaps)} battements)"
    )


def wait_until(condition, timeout: float = 120.0, poll_ms: int = 5) -> float:
    """Run the real event loop until ``condition()`` holds; return the seconds it took.

    Not ``QTest.qWait``: PySide keeps the GIL during it, which starves the worker thread (a
    300 ms search then takes 20 s). ``QEventLoop.exec`` releases it, as ``app.exec`` does."""
    from PySide6.QtCore import QEventLoop, QTimer

    started = time.perf_counter()
    if condition():
        return 0.0
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(poll_ms)

    def check() -> None:
        if condition() or time.perf_counter() - started > timeout:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if not condition():
        raise TimeoutError("délai dépassé")
    return time.perf_counter() - started


def play(steps: list, delay_ms: int) -> None:
    """Run each step (a callable) in turn from the event loop, ``delay_ms`` apart."""
    from PySide6.QtCore import QEventLoop, QTimer

    pending = list(steps)
    loop = QEventLoop()

    def next_step() -> None:
        if not pending:
            loop.quit()
            return
        pending.pop(0)()
        QTimer.singleShot(delay_ms, next_step)

    QTimer.singleShot(0, next_step)
    loop.exec()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60_000, help="nombre de dossiers du coffre (60 000)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="dossier du coffre de démonstration (réutilisé s'il a le bon nombre de dossiers)")
    parser.add_argument("--text", default="lefebvre m", help="ce qui est tapé dans la recherche (ASCII)")
    parser.add_argument("--key-delay", type=int, default=120, help="délai entre deux touches, en ms (120)")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval en ms pendant la mesure (défaut de Python : 5 ms)")
    args = parser.parse_args(argv)
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval / 1000)
    folder = args.dir or Path(tempfile.gettempdir()) / f"conseiller-bench-{args.files}"
    folder.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])

    from conseiller_app.storage.services import Context
    from conseiller_app.ui.beneficiaries import BeneficiariesPage
    from conseiller_app.ui.worker import DbWorker

    vault = open_or_build_vault(folder, args.files)
    worker = DbWorker()
    ready: list[bool] = []
    worker.submit(lambda: (worker.set_context(Context(vault)), ready.append(True)), needs_vault=False)
    wait_until(lambda: bool(ready))

    page = BeneficiariesPage(worker)
    page.resize(1200, 800)
    page.show()
    wait_until(page.isVisible)
    model = page.list_page.model
    beat = Heartbeat()

    print(f"\nPage Bénéficiaires, {args.files} dossiers, worker en thread réel, plateforme {app.platformName()}, "
          f"intervalle de bascule du GIL {sys.getswitchinterval() * 1000:g} ms")
    beat.start()
    page.vault_opened()
    first = wait_until(lambda: model.rowCount() > 0 and model.row_data(0) is not None)
    print(f"Ouverture : première page affichée en {first * 1000:.0f} ms ({model.rowCount()} dossiers) ; "
          f"{summary(beat.stop())}")

    edit = page.list_page.search_edit
    edit.setFocus(Qt.FocusReason.OtherFocusReason)
    beat.start()
    typed_at = time.perf_counter()
    play([lambda ch=ch: QTest.keyClick(edit, ch) for ch in args.text], args.key_delay)
    last_key = time.perf_counter() - args.key_delay / 1000
    wanted = page.list_page.current_query()
    wait_until(lambda: model.query() == wanted and not model.is_searching() and
               (model.rowCount() == 0 or model.row_data(0) is not None))
    done = time.perf_counter()
    typing = beat.stop()
    print(f"Frappe de « {args.text} » ({len(args.text)} touches, une toutes les {args.key_delay} ms, "
          f"{(last_key - typed_at):.1f} s) : {summary(typing)}")
    print(f"  résultat final ({model.rowCount()} dossiers) affiché {(done - last_key) * 1000:.0f} ms après la dernière "
          f"touche (dont {page.list_page._debounce.interval()} ms d'attente de fin de frappe)")

    # Fast typing: no pause between keys (the debounce absorbs it all).
    edit.clear()
    wait_until(lambda: not model.is_searching() and model.rowCount() == args.files)
    beat.start()
    play([lambda ch=ch: QTest.keyClick(edit, ch) for ch in args.text], 0)
    wait_until(lambda: not model.is_searching() and model.query().text == args.text and
               (model.rowCount() == 0 or model.row_data(0) is not None))
    print(f"Frappe rapide (sans pause) : {summary(beat.stop())}")

    # Clearing the search: the whole list comes back (the biggest result).
    beat.start()
    edit.clear()
    wait_until(lambda: not model.is_searching() and model.rowCount() == args.files and
               model.row_data(0) is not None)
    print(f"Effacement de la recherche (liste complète) : {summary(beat.stop())}")

    # Scrolling to the end and back.
    view = page.list_page.view
    beat.start()
    view.scrollToBottom()
    wait_until(lambda: model.row_data(model.rowCount() - 1) is not None)
    bar = view.verticalScrollBar()
    jumps = [lambda v=v: bar.setValue(v) for v in range(bar.maximum(), 0, -max(1, bar.maximum() // 50))]
    play([*jumps, view.scrollToTop], 30)
    top = view.rowAt(0)
    wait_until(lambda: model.row_data(top) is not None)
    print(f"Défilement jusqu'à la fin puis retour (50 sauts, un toutes les 30 ms) : {summary(beat.stop())}")
    print(f"  lignes chargées au total : {model.fetched_rows} sur {model.rowCount()} ; "
          f"en cache : {model.cached_row_count()}")

    page.close()
    worker.shutdown()
    vault.close()
    print(f"Charge moyenne de la machine pendant la mesure : {os.getloadavg()[0]:.2f} "
          f"({os.cpu_count()} processeurs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

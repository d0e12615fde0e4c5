"""« Envoyer au siège » / « Recevoir du siège » over the network, and the automatic exchange.

The vault steps run on the database worker; the network steps (which may wait for a timeout
when offline) run on a thread of their own, so no vault work waits behind them. Being offline
is a state (« hors ligne »), never a dialog; the automatic exchange then tries again after 1,
2, 4… minutes, at most its own interval.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from conseiller_app.sync import network
from conseiller_app.sync.errors import NetworkUnreachable
from conseiller_app.ui.sync_page import ops
from conseiller_app.ui.sync_page.when import local
from conseiller_app.ui.worker import DbWorker, VaultLocked

MAX_BACKOFF_MINUTES = 64


class _Relay(QObject):
    """Carries a network step's outcome back to the GUI thread (queued signal)."""

    done = Signal(object, object)  # (callback, result)


class _NetJob(QRunnable):
    def __init__(self, relay: _Relay, fn: Callable, args: tuple, on_done: Callable, on_error: Callable) -> None:
        super().__init__()
        self.relay, self.fn, self.args, self.on_done, self.on_error = relay, fn, args, on_done, on_error

    def run(self) -> None:
        try:
            result = self.fn(*self.args)
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread
            self.relay.done.emit(self.on_error, exc)
        else:
            self.relay.done.emit(self.on_done, result)


def hour(value: datetime) -> str:
    """« 14 h 02 » in local time."""
    t = local(value)
    return f"{t.hour} h {t.minute:02d}"


class Exchange(QObject):
    """One exchange at a time. ``state_changed(text, kind)``: kind is idle, busy, ok, offline or
    error; ``finished(what, result)`` after a push or a pull that reached the central office."""

    state_changed = Signal(str, str)
    finished = Signal(str, object)
    failed = Signal(str, str)  # (title, French message) when the central office refused

    def __init__(self, worker: DbWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.relay = _Relay(self)
        self.relay.done.connect(lambda callback, value: callback(value))
        self.busy = False
        self.state = ("", "idle")
        self._generation = 0
        self.auto_minutes = 0
        self._failures = 0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._auto)

    # --- steps ---------------------------------------------------------------------------------

    def _net(self, fn: Callable, *args: Any, on_done: Callable, on_error: Callable) -> None:
        self.pool.start(_NetJob(self.relay, fn, args, on_done, on_error))

    def _guard(self, generation: int, fn: Callable) -> Callable:
        return lambda value: fn(value) if generation == self._generation else None

    def _set_state(self, text: str, kind: str) -> None:
        self.state = (text, kind)
        self.state_changed.emit(text, kind)

    def _fail(self, what: str, exc: BaseException) -> None:
        from conseiller_app.ui.errors import user_message

        self.busy = False
        if isinstance(exc, VaultLocked):
            self._set_state("", "idle")
            return
        if isinstance(exc, NetworkUnreachable):
            self._failures += 1
            self._set_state(self.tr("hors ligne"), "offline")
            self._schedule()
            return
        self._failures = 0
        title = self.tr("Envoi refusé par le siège") if what == "push" else self.tr("Réception impossible")
        self._set_state(self.tr("échec de l'échange"), "error")
        self.failed.emit(title, user_message(exc))
        self._schedule()

    # --- push: endpoint (worker) → probe (net) → bundle (worker) → upload (net) → record (worker)

    def push(self, then: Callable[[], object] | None = None) -> bool:
        if self.busy:
            return False
        self.busy = True
        g = self._generation
        self._set_state(self.tr("envoi en cours…"), "busy")
        err = self._guard(g, lambda exc: self._fail("push", exc))
        self.worker.submit(ops.endpoint, on_error=err, on_done=self._guard(g, lambda ep: self._net(
            network.probe, ep, on_error=err, on_done=self._guard(g, lambda _: self.worker.submit(
                ops.prepare_push, on_error=err, on_done=self._guard(g, lambda prepared: self._send(
                    prepared, g, err, then)))))))
        return True

    def _send(self, prepared: network.PreparedPush, g: int, err: Callable,
              then: Callable[[], object] | None) -> None:
        self._net(network.send, prepared.endpoint, prepared.data, on_error=err, on_done=self._guard(
            g, lambda answer: self.worker.submit(ops.finish_push, prepared.bundle, answer, on_error=err,
                                                 on_done=self._guard(g, lambda result: self._pushed(result, then)))))

    def _pushed(self, result: network.Pushed, then: Callable[[], object] | None) -> None:
        self.busy = False
        self._failures = 0
        self._set_state(self.tr("envoyé à {time}").format(time=hour(result.at)), "ok")
        self.finished.emit("push", result)
        if then is not None:
            then()
        else:
            self._schedule()

    # --- pull: request (worker) → fetch (net) → import (worker)

    def pull(self) -> bool:
        if self.busy:
            return False
        self.busy = True
        g = self._generation
        self._set_state(self.tr("réception en cours…"), "busy")
        err = self._guard(g, lambda exc: self._fail("pull", exc))
        self.worker.submit(ops.prepare_pull, on_error=err, on_done=self._guard(g, lambda req: self._net(
            network.fetch, req, on_error=err, on_done=self._guard(g, lambda data: self.worker.submit(
                ops.finish_pull, data, on_error=err, on_done=self._guard(g, self._pulled))))))
        return True

    def _pulled(self, result: network.Pulled) -> None:
        self.busy = False
        self._failures = 0
        when = hour(result.at)
        self._set_state(self.tr("reçu à {time}").format(time=when) if result.status == "importe" else
                        self.tr("à jour à {time}").format(time=when), "ok")
        self.finished.emit("pull", result)
        self._schedule()

    # --- automatic exchange ----------------------------------------------------------------------

    def set_auto(self, minutes: int) -> None:
        self.auto_minutes = max(0, minutes)
        self._failures = 0
        self._schedule()

    def _schedule(self) -> None:
        self.timer.stop()
        if self.auto_minutes <= 0:
            return
        minutes = self.auto_minutes
        if self._failures:
            minutes = min(minutes, 2 ** (self._failures - 1), MAX_BACKOFF_MINUTES)
        self.timer.start(int(minutes * 60_000))

    def _auto(self) -> None:
        if not self.push(then=self.pull):
            self._schedule()

    def stop(self) -> None:
        """At lock: results of steps under way are dropped, the timer stops."""
        self._generation += 1
        self.busy = False
        self.timer.stop()
        self._set_state("", "idle")

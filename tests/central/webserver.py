"""The real service (``conseiller-central serve``, uvicorn) started on 127.0.0.1 for the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebServer:
    def __init__(self, db_url: str, keys_dir: Path, *, workers: int = 1, env: dict | None = None,
                 extra: tuple[str, ...] = (), port: int | None = None, scheme: str = "http") -> None:
        self.db_url, self.keys_dir, self.workers = db_url, Path(keys_dir), workers
        self.env, self.extra = env or {}, extra
        self.port = port or free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = self.keys_dir.parent / f"serveur-{self.port}.log"

    def start(self, verify=True) -> WebServer:
        cmd = [sys.executable, "-m", "conseiller_app.cli.central", "--db", self.db_url, "--keys", str(self.keys_dir),
               "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), *self.extra]
        env = {**os.environ, **self.env}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"le service s'est arrêté : {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2, verify=verify).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("le service n'a pas répondu à temps")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # our own process group: uvicorn and its workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

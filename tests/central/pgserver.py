"""A throwaway PostgreSQL server on 127.0.0.1 for the tests and the benchmark.

Debian's server binaries (``/usr/lib/postgresql/<version>/bin``) are run as the ``postgres``
user when we are root (the server refuses to run as root), in a temporary folder it owns, on a
free port, with a Unix socket in that folder. :func:`start` raises :class:`Unavailable` with the
reason when no server can be started.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


class Unavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    if which:
        return Path(which).parent
    raise Unavailable("binaires PostgreSQL introuvables (paquet Debian « postgresql » non installé)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, fast: bool = True) -> None:
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="pg-tests-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        self.fast = fast
        self._admin = None

    def _run(self, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.root)

    def start(self) -> Server:
        if self.as_postgres:
            try:
                shutil.chown(self.root, "postgres", "postgres")
            except (LookupError, PermissionError) as exc:
                raise Unavailable(f"utilisateur « postgres » indisponible ({exc})") from None
        r = self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--locale=C", "--no-sync")
        if r.returncode != 0:
            raise Unavailable(f"initdb a échoué : {r.stderr.strip()[-300:]}")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        r = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                      "-o", options, "-w", "-t", "60", "start")
        if r.returncode != 0:
            log = (
                (self.root / "server.log").read_text(errors="replace")[-500:]
                if (self.root / "server.log").exists()
                else ""
            )
            self.stop()
            raise Unavailable(f"pg_ctl start a échoué : {r.stderr.strip()[-300:]} {log}")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start(fast: bool = True) -> Server:
    try:
        return Server(fast=fast).start()
    except (OSError, subprocess.SubprocessError) as exc:
        raise Unavailable(str(exc)) from None

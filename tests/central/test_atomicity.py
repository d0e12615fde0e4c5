"""One transaction per bundle: a process killed in the middle of an ingest leaves nothing behind
(SQLite and PostgreSQL), and the same bundle then goes in normally."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

from conseiller_app.central import ingest
from conseiller_app.central.keys import AGE_FILE, SIGNING_FILE
from conseiller_app.central.service import init, open_central
from conseiller_app.sync import service as sync
from tests.sync.helpers import add_person, db_dump, make_vault, register_device

KILLED_DURING_INGEST = """
import os, signal, sys
from pathlib import Path
from conseiller_app.central import ingest, merge
from conseiller_app.central.service import open_central

real_refresh = merge.refresh

def refresh_then_die(*args, **kwargs):
    real_refresh(*args, **kwargs)  # versions and records written, transaction not committed
    os.kill(os.getpid(), signal.SIGKILL)

merge.refresh = refresh_then_die
central = open_central(sys.argv[1], Path(sys.argv[2]))
ingest.ingest_file(central, Path(sys.argv[3]))
"""


def test_a_kill_during_ingest_leaves_no_partial_state(db_url, tmp_path):
    central = init(db_url, tmp_path / "cles")
    ctx = make_vault(tmp_path / "a")
    try:
        sync.enroll(ctx, tmp_path / "cles" / "inscription-siege.json")
        register_device(central, ctx)
        for name in ("Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
                     "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
                     "Fournier", "Girard"):
            add_person(ctx, name)
        bundle = Path(sync.export(ctx, tmp_path).path)
    finally:
        ctx.vault.close()
    before = db_dump(central)
    central.close()
    r = subprocess.run([sys.executable, "-c", KILLED_DURING_INGEST, db_url, str(tmp_path / "cles"), str(bundle)],
                       capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert r.returncode == -signal.SIGKILL, r.stderr
    central = open_central(db_url, tmp_path / "cles")
    try:
        assert db_dump(central) == before
        assert ingest.ingest_file(central, bundle).new_changes > 20
    finally:
        central.close()


def test_secret_keys_are_private(tmp_path):
    init(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "cles").close()
    for name in (AGE_FILE, SIGNING_FILE):
        assert stat.S_IMODE(os.stat(tmp_path / "cles" / name).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "cles").st_mode) == 0o700
    assert "SECRET" not in (tmp_path / "cles" / "inscription-siege.json").read_text()

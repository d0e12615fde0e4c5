"""``conseiller-central`` commands of the service, as real processes: init --url, enrollment,
users add|passwd|disable|list (password from a file, a weak one refused), serve's checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from conseiller_app.central.models import StaffUser
from conseiller_app.central.service import open_central
from conseiller_app.sync.enrollment import read_enrollment


def central(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSEILLER_CENTRAL")}
    return subprocess.run([sys.executable, "-m", "conseiller_app.cli.central", "--db", str(tmp_path / "siege.db"),
                           "--keys", str(tmp_path / "cles"), *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120)


def test_init_url_enrollment_and_users(tmp_path):
    r = central(tmp_path, "init", "--name", "Siège de test", "--url", "https://siege.exemple.fr/")
    assert r.returncode == 0, r.stderr
    enrollment = tmp_path / "cles" / "inscription-siege.json"
    assert read_enrollment(enrollment).url == "https://siege.exemple.fr"
    r = central(tmp_path, "enrollment", "--url", "http://siege.exemple.fr")  # plain http only on the loopback
    assert r.returncode == 2 and "invalide" in r.stderr
    assert read_enrollment(enrollment).url == "https://siege.exemple.fr"
    r = central(tmp_path, "enrollment", "--url", "https://autre.exemple.fr:8443")
    assert r.returncode == 0 and read_enrollment(enrollment).url == "https://autre.exemple.fr:8443"
    assert read_enrollment(enrollment).fingerprint == json.loads(enrollment.read_text())["fingerprint"]

    weak, good = tmp_path / "faible.txt", tmp_path / "mdp.txt"
    weak.write_text("motdepasse\n")
    good.write_text("girafe ciboulette nacelle 42\n")
    r = central(tmp_path, "users", "add", "marie", "--role", "administrateur", "--password-file", str(weak))
    assert r.returncode == 4 and "trop facile" in r.stderr
    r = central(tmp_path, "users", "add", "marie", "--role", "administrateur", "--password-file", str(good))
    assert r.returncode == 0 and "Compte créé" in r.stdout
    r = central(tmp_path, "users", "add", "marie", "--role", "partenaire", "--password-file", str(good))
    assert r.returncode == 2 and "existe déjà" in r.stderr
    r = central(tmp_path, "users", "add", "paul", "--role", "partenaire")  # no terminal, no file
    assert r.returncode == 2 and "--password-file" in r.stderr
    c = open_central(f"sqlite:///{tmp_path / 'siege.db'}")
    try:
        with c.db.read() as conn:
            (stored,) = conn.execute(select(StaffUser.__table__.c.password_hash)).one()
        assert stored.startswith("$argon2id$") and "girafe" not in stored
    finally:
        c.close()
    good.write_text("violon marée pistache 17\n")
    assert central(tmp_path, "users", "passwd", "marie", "--password-file", str(good)).returncode == 0
    assert central(tmp_path, "users", "disable", "marie").returncode == 0
    r = central(tmp_path, "users", "list", "--json")
    assert json.loads(r.stdout)[0]["active"] is False
    r = central(tmp_path, "serve", "--workers", "2")
    assert r.returncode == 2 and "SQLite" in r.stderr
    r = central(tmp_path, "serve", "--certfile", "x.crt")
    assert r.returncode == 2 and "--keyfile" in r.stderr

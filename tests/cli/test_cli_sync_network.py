"""``conseiller sync push|pull`` as real processes against the real service: exit 0 done, 6 when
the central office cannot be reached, 5 when it refuses (with its reason)."""

from __future__ import annotations

import pytest

from conseiller_app.central import devices
from conseiller_app.central.service import init, set_service_address
from tests.central.webserver import WebServer
from tests.cli.conftest import run
from tests.cli.test_cli import add


@pytest.fixture
def central_site(tmp_path):
    keys = tmp_path / "cles"
    url = f"sqlite:///{tmp_path / 'siege.db'}"
    central = init(url, keys, "Siège de test")
    server = WebServer(url, keys)
    set_service_address(keys, server.url)
    server.start()
    yield central, server, keys / "inscription-siege.json"
    server.stop()
    central.close()


def test_push_pull_exit_codes(cli_vault, central_site):
    central, server, enrollment = central_site
    r = run(cli_vault, "sync", "pull")
    assert r.returncode == 2 and "inscrit" in r.stderr  # not enrolled yet
    assert run(cli_vault, "sync", "enroll", str(enrollment)).returncode == 0
    assert add(cli_vault).returncode == 0
    r = run(cli_vault, "sync", "push")
    assert r.returncode == 0, r.stderr
    assert "Paquet n°1 envoyé au siège" in r.stdout and "quarantaine" in r.stdout
    r = run(cli_vault, "sync", "pull")
    assert r.returncode == 0 and "Rien de nouveau" in r.stdout

    devices.revoke(central, devices.list_devices(central)[0].id)
    r = run(cli_vault, "sync", "push")
    assert r.returncode == 5 and "révoqué" in r.stderr
    r = run(cli_vault, "sync", "pull")
    assert r.returncode == 5 and "révoqué" in r.stderr

    server.stop()
    for action in ("push", "pull"):
        r = run(cli_vault, "sync", action)
        assert r.returncode == 6 and "injoignable" in r.stderr
        assert "Diaye" not in r.stderr + r.stdout

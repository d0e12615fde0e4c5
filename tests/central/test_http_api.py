"""The device API against the real service (uvicorn on 127.0.0.1), on SQLite and PostgreSQL:
devices push and pull concurrently, the central state equals the file path's, refused uploads
leave the database as it was, signed requests are checked (signature, clock, nonce)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conseiller_app.central import devices, publish
from conseiller_app.central.ingest import ingest_file
from conseiller_app.central.service import init, set_service_address
from conseiller_app.central.web.app import MAX_BYTES_ENV
from conseiller_app.sync import crypto, network, signed_request
from conseiller_app.sync import service as sync
from conseiller_app.sync.errors import CentralRefused, NetworkUnreachable
from tests.central.conftest import new_db_url
from tests.central.webserver import WebServer
from tests.sync.helpers import add_person, add_session, central_state, db_dump, device_signing_key, forge, make_vault

LOGS = ("incident", "refusal", "request_nonce", "staff_session", "staff_journal")
MAX_BYTES = 400_000


@pytest.fixture
def site(db_url, tmp_path):
    keys = tmp_path / "cles"
    central = init(db_url, keys, "Siège de test")
    server = WebServer(db_url, keys, env={MAX_BYTES_ENV: str(MAX_BYTES)})
    set_service_address(keys, server.url)
    server.start()
    yield central, server, keys / "inscription-siege.json"
    server.stop()
    central.close()


def _devices(tmp_path, enrollment, n=3):
    names = ["Marie Dupont", "Karim Benali", "Sophie Vasseur"]
    ctxs = [make_vault(tmp_path / f"v{i}", names[i], "arrageois") for i in range(n)]
    for ctx in ctxs:
        assert sync.enroll(ctx, enrollment).url.startswith("http://127.0.0.1:")
    return ctxs


def _upload(url: str, data: bytes) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/bundles", content=data, timeout=60)


def _export(ctx, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return Path(sync.export(ctx, folder).path)


def test_concurrent_uploads_give_the_file_path_state(site, tmp_path, request, tmp_path_factory, db_url):
    central, server, enrollment = site
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    files_central = init(new_db_url(request, tmp_path_factory, backend), tmp_path / "cles", existing_keys=True)
    try:
        ctxs = _devices(tmp_path, enrollment)
        for i, ctx in enumerate(ctxs):
            add_person(ctx, ["Leroy", "Martin", "Petit"][i], "Awa")
        add_session(ctxs[0], "Atelier BTP Arras")
        for round_no in range(2):
            paths = [_export(ctx, tmp_path / f"tour{round_no}") for ctx in ctxs]
            with ThreadPoolExecutor(len(paths)) as pool:
                answers = list(pool.map(lambda p: _upload(server.url, p.read_bytes()), paths))
            expected = 202 if round_no == 0 else 200
            assert [a.status_code for a in answers] == [expected] * len(paths), [a.text for a in answers]
            for p in paths:
                ingest_file(files_central, p)
            if round_no == 0:
                assert {a.json()["status"] for a in answers} == {"quarantaine"}
                for c in (central, files_central):
                    for d in devices.list_devices(c):
                        devices.approve(c, d.id)
                for i, ctx in enumerate(ctxs):
                    add_person(ctx, ["Roux", "Morel", "Fournier"][i], "Léa")
            else:
                assert {a.json()["status"] for a in answers} == {"ingere"}
                assert all(a.json()["ack"]["changes"] > 0 for a in answers)
        assert central_state(central) == central_state(files_central)
        kinds = [r[0] for r in central_state(central)["records"]]
        assert kinds.count("beneficiary") == 6 and kinds.count("atelier_session") == 1
    finally:
        files_central.close()


def test_push_and_pull_through_the_client(site, tmp_path):
    central, server, enrollment = site
    ctxs = _devices(tmp_path, enrollment)
    for i, ctx in enumerate(ctxs):
        add_person(ctx, ["Leroy", "Martin", "Petit"][i])
    # The vault steps in this thread, the network steps concurrently (as the GUI does).
    prepared = [network.prepare_push(ctx) for ctx in ctxs]
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda pm: network.send(pm.endpoint, pm.data), prepared))
    assert {a["status"] for a in answers} == {"quarantaine"}
    for d in devices.list_devices(central):
        devices.approve(central, d.id)
    # Nothing published yet: 204, nothing imported.
    requests = [network.prepare_pull(ctx) for ctx in ctxs]
    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(network.fetch, requests)) == [None, None, None]
    publish.publish(central, None)
    requests = [network.prepare_pull(ctx) for ctx in ctxs]
    with ThreadPoolExecutor(3) as pool:
        fetched = list(pool.map(network.fetch, requests))
    for ctx, data in zip(ctxs, fetched, strict=True):
        result = network.finish_pull(ctx, data)
        assert result.status == "importe" and result.imported and result.imported.newly_acknowledged > 0
        assert sync.status(ctx).changes_waiting == 0
    # Already imported: the next pull brings nothing.
    assert network.pull(ctxs[0]).status == "rien"
    # The whole chain (as the CLI runs it).
    add_person(ctxs[1], "Encore")
    assert network.push(ctxs[1]).status == "ingere"
    last = network.last_exchanges(ctxs[1])
    assert last.push is not None and last.pull is not None and last.push >= last.pull
    server.stop()
    with pytest.raises(NetworkUnreachable):
        network.push(ctxs[1])
    with pytest.raises(NetworkUnreachable):
        network.pull(ctxs[1])


def test_refused_uploads_leave_the_database_as_it_was(site, tmp_path):
    central, server, enrollment = site
    ctx, _other = _devices(tmp_path, enrollment, 2)
    add_person(ctx, "Dupont")
    first = _export(ctx, tmp_path / "p").read_bytes()
    assert _upload(server.url, first).status_code == 202
    devices.approve(central, devices.list_devices(central)[0].id)
    add_person(ctx, "Martin")
    good = _export(ctx, tmp_path / "p").read_bytes()
    keys = central.require_keys()
    before = db_dump(central, exclude=LOGS)

    tampered = bytearray(good)
    tampered[len(tampered) // 2] ^= 0x01
    truncated = good[: len(good) // 2]
    forged = forge(good, keys.age_identity, crypto.new_signing_key(), keys.recipient)  # signed by another key
    for body, status in ((bytes(tampered), 422), (truncated, 422), (forged, 422)):
        r = _upload(server.url, body)
        assert r.status_code == status, r.text
        assert r.json()["message"].startswith("Paquet refusé")
    # Oversized: 413 whether the length is announced or the body streams in chunks.
    big = good + b"\0" * MAX_BYTES
    assert _upload(server.url, big).status_code == 413
    chunks = iter([big[i:i + 65536] for i in range(0, len(big), 65536)])
    assert httpx.post(f"{server.url}/api/v1/bundles", content=chunks, timeout=60).status_code == 413
    assert db_dump(central, exclude=LOGS) == before

    # The same upload twice: the same acknowledgment, nothing changed the second time.
    one = _upload(server.url, good)
    assert one.status_code == 200 and one.json()["status"] == "ingere"
    after_first = db_dump(central, exclude=LOGS)
    two = _upload(server.url, good)
    assert two.status_code == 200 and two.json()["status"] == "deja_recu"
    assert two.json()["ack"] == one.json()["ack"]
    assert db_dump(central, exclude=LOGS) == after_first

    # Revoked: 403, and its later bundles change nothing.
    devices.revoke(central, devices.list_devices(central)[0].id)
    add_person(ctx, "Petit")
    later = _export(ctx, tmp_path / "p").read_bytes()
    revoked_state = db_dump(central, exclude=LOGS)
    r = _upload(server.url, later)
    assert r.status_code == 403 and "révoqué" in r.json()["message"]
    assert db_dump(central, exclude=LOGS) == revoked_state
    with pytest.raises(CentralRefused) as exc:
        network.pull(ctx)
    assert exc.value.status == 403 and "révoqué" in exc.value.message


def _signed_get(server, ctx, path="/api/v1/return-bundle", *, key=None, now=None, nonce=None):
    with ctx.vault.session() as s:
        from conseiller_app.sync import device

        did = device.device_id(s)
    headers = signed_request.sign_headers(key or device_signing_key(ctx), did, "GET", path, now=now, nonce=nonce)
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=30), headers


def test_signed_requests(site, tmp_path):
    central, server, enrollment = site
    (ctx,) = _devices(tmp_path, enrollment, 1)
    r, _ = _signed_get(server, ctx)
    assert r.status_code == 401 and r.json()["reason"] == "unknown_device"
    prepared = network.prepare_push(ctx)
    assert network.send(prepared.endpoint, prepared.data)["status"] == "quarantaine"

    r, headers = _signed_get(server, ctx, "/api/v1/status")
    assert r.status_code == 200 and r.json()["status"] == "en_attente"
    replay = httpx.get(f"{server.url}/api/v1/status", headers=headers, timeout=30)
    assert replay.status_code == 401 and replay.json()["reason"] == "replay"

    r, _ = _signed_get(server, ctx, key=crypto.new_signing_key())
    assert r.status_code == 401 and r.json()["reason"] == "signature"
    r, _ = _signed_get(server, ctx, now=time.time() - 3600)
    assert r.status_code == 401 and r.json()["reason"] == "clock"
    # The signature covers the path and query: the same headers on another query are refused.
    r, headers = _signed_get(server, ctx, "/api/v1/return-bundle?after=0")
    assert r.status_code == 204
    moved = dict(headers, **{signed_request.NONCE: "ab" * 16})
    assert httpx.get(f"{server.url}/api/v1/return-bundle?after=5", headers=moved).status_code == 401
    unsigned = httpx.get(f"{server.url}/api/v1/return-bundle")
    assert unsigned.status_code == 401

    devices.revoke(central, devices.list_devices(central)[0].id)
    r, _ = _signed_get(server, ctx)
    assert r.status_code == 403
    assert httpx.get(f"{server.url}/api/v1/health").json() == {"status": "ok"}

"""A hostile device cannot write to the central operator's terminal: its name, territory and
office travel in its bundles; escape sequences, carriage returns, bidi overrides (U+202E), C1
controls and markup in them are dropped or shown as inert text by ``ingest``, ``devices list``,
``devices approve``, ``status`` and ``publish`` (text and JSON)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from conseiller_app import cli as device_cli
from conseiller_app.cli import central as central_cli
from tests.sync.helpers import PASSPHRASE, add_person, make_vault

FAKE = "\x1b[2K\r\x1b[1AEmpreinte de sa clé : 0000 0000 0000"
HOSTILE = {
    "name": "Marie\x1b[31m Dupont\r" + FAKE[:40] + "\u202eetnod",
    "territory": "arr\x1b]0;titre\x07ageois\x9b2J",
    "office": "MDS\u2028<script>alert('x')</script>\u2066\u200b",
}
DANGEROUS = ["\x1b", "\r", "\u202e", "\u2066", "\u2028", "\x9b", "\x07", "\u200b"]


def _run(capsys, main, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_inert(*outputs: str) -> None:
    for o in outputs:
        for ch in DANGEROUS:
            assert ch not in o, (repr(ch), o)


@pytest.fixture
def hostile_bundle(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CONSEILLER_PASSPHRASE", PASSPHRASE)
    db, keys = f"sqlite:///{tmp_path / 'siege.db'}", tmp_path / "cles"

    def central(*args):
        return _run(capsys, central_cli.main, "--db", db, "--keys", str(keys), *args)

    assert central("init", "--name", "Siège de test")[0] == 0
    folder = tmp_path / "appareil"
    ctx = make_vault(folder)
    add_person(ctx, "Lefèvre")
    with ctx.vault.session() as s:  # a modified client: what it sends skips the device's validation
        s.execute(text("UPDATE conseiller SET name = :n, territory = :t, office = :o WHERE is_owner"),
                  {"n": HOSTILE["name"], "t": HOSTILE["territory"], "o": HOSTILE["office"]})
    ctx.vault.close()
    fingerprint = json.loads(central("status", "--json")[1])["central"]["fingerprint"]

    def device(*args):
        return _run(capsys, device_cli.main, "--data-dir", str(folder), *args)

    assert device("sync", "enroll", str(keys / "inscription-siege.json"), "--fingerprint", fingerprint)[0] == 0
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    code, _, err = device("sync", "export", "--out", str(out_dir))
    assert code == 0, err
    [bundle] = out_dir.iterdir()
    return central, bundle, tmp_path


def test_device_fields_never_reach_the_terminal_raw(hostile_bundle):
    central, bundle, tmp_path = hostile_bundle
    code, out, err = central("ingest", str(bundle))
    assert code == 5 and "quarantaine" in out
    assert "Marie" in out and "Dupont" in out and "etnod" in out  # the name is shown, as inert text
    outputs = [out, err]
    code, out, err = central("devices", "list")
    outputs += [out, err]
    code, js, err = central("devices", "list", "--json")
    outputs += [js, err]
    [dev] = json.loads(js)
    assert "<script>" in dev["office"]  # markup is text for the terminal; the console escapes it
    assert not any(ch in dev["name"] + dev["territory"] + dev["office"] for ch in DANGEROUS)
    code, out, err = central("devices", "approve", dev["id"])
    assert code == 0, err
    outputs += [out, err]
    # The real fingerprint is on its own line, with nothing able to overwrite it.
    real = [line for line in out.splitlines() if line.startswith("Empreinte de sa clé")]
    assert real == [f"Empreinte de sa clé : {dev['fingerprint']} (elle doit être celle que le conseiller vous a lue)"]
    for args in (["status"], ["status", "--json"], ["publish", "--out", str(tmp_path / "retour")]):
        code, out, err = central(*args)
        assert code == 0, err
        outputs += [out, err]
    assert_inert(*outputs)


def test_json_output_escapes_what_json_itself_leaves_raw(capsys):
    from conseiller_app.cli.common import print_json

    value = {"n": "a\x9b2J\u202eb\u2028c\x1b"}
    capsys.readouterr()
    print_json(value)
    printed = capsys.readouterr().out
    assert_inert(printed)
    assert json.loads(printed) == value

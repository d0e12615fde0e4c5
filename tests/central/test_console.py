"""Security and behaviour of the staff console against the real service: anonymous visitors sent
to the login page, CSRF required, the partner role kept out of devices, conflicts and anyone's
data, argon2 hashes, cookies HttpOnly + SameSite (+ Secure over TLS), slowdown after failures,
and the actions (approve, upload, resolve, publish) journaled with who did them."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from conseiller_app.central import accounts, devices, publish
from conseiller_app.central.models import StaffJournal, StaffUser
from conseiller_app.central.service import init, set_service_address
from conseiller_app.domain.errors import PassphraseTooWeak
from conseiller_app.storage import models as m
from conseiller_app.sync import network
from conseiller_app.sync import service as sync
from tests.central.console_helpers import PASSWORDS, Browser, add_staff
from tests.central.webserver import WebServer
from tests.sync.helpers import add_person, add_session, edit, make_vault

PAGES = ["/", "/appareils", "/appareils/0000", "/paquets", "/conflits", "/referentiel", "/journal", "/comptes"]
POSTS = ["/appareils/0000/approuver", "/appareils/0000/revoquer", "/paquets", "/conflits/1", "/referentiel/agences",
         "/referentiel/communes", "/publier", "/comptes/admin/desactiver"]


@pytest.fixture
def site(tmp_path):
    keys = tmp_path / "cles"
    url = f"sqlite:///{tmp_path / 'siege.db'}"
    central = init(url, keys, "Siège de test")
    for who in ("admin", "charge", "partenaire"):
        add_staff(central, who)
    server = WebServer(url, keys)
    set_service_address(keys, server.url)
    server.start()
    yield central, server, keys / "inscription-siege.json"
    server.stop()
    central.close()


def _journal(central) -> list[tuple[str, str]]:
    jt = StaffJournal.__table__
    with central.db.read() as conn:
        return [(r.login, r.action) for r in conn.execute(select(jt.c.login, jt.c.action).order_by(jt.c.id))]


def test_anonymous_visitors_see_only_the_login_page(site):
    _, server, _ = site
    b = Browser(server.url)
    assert b.get("/connexion").status_code == 200
    for path in PAGES:
        r = b.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/connexion", path
    for path in POSTS:
        r = b.post(path, {"garder": "A"})
        assert r.status_code in (303, 403), path
        b.get("/connexion")
    assert b.get("/api/v1/health").status_code == 200


def test_login_cookie_csrf_and_passwords(site):
    central, server, _ = site
    with central.db.read() as conn:
        hashes = [h for (h,) in conn.execute(select(StaffUser.__table__.c.password_hash))]
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(p in h for h in hashes for p in PASSWORDS.values())
    with pytest.raises(PassphraseTooWeak):
        accounts.add_user(central, "faible", "partenaire", "motdepasse")

    b = Browser(server.url)
    b.get("/connexion")
    # The login form itself needs the CSRF token.
    assert b.post("/connexion", {"login": "admin", "password": PASSWORDS["admin"]}, token="").status_code == 403
    r = b.login("admin")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("siege_session=")).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie  # plain HTTP here
    home = b.get("/")
    assert home.status_code == 200 and "Tableau de bord" in home.text

    # A form without the token, or with another one: refused, nothing done.
    assert b.post("/publier", token="").status_code == 403
    assert b.post("/publier", token="x" * 40).status_code == 403
    assert ("admin", "publication") not in _journal(central)
    b.get("/referentiel")
    assert b.post("/publier").status_code == 303
    assert ("admin", "publication") in _journal(central)

    # Logout ends the session on the server: the old cookie opens nothing.
    old = dict(b.client.cookies)
    b.get("/")
    assert b.post("/deconnexion").status_code == 303
    replay = httpx.get(f"{server.url}/", cookies=old, follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"] == "/connexion"


def test_slowdown_after_failed_logins_and_disabled_accounts(site):
    central, server, _ = site
    b = Browser(server.url)
    for _ in range(3):
        r = b.login("charge", "mauvais mot de passe")
        assert r.status_code == 401 and "Identifiant ou mot de passe incorrect" in r.text
    r = b.login("charge")  # the right password, during the slowdown: not even checked
    assert r.status_code == 429 and "Trop de tentatives" in r.text
    assert b.login("inconnu", "peu importe").status_code == 401  # same answer as a wrong password

    a = Browser(server.url)
    assert a.login("admin").status_code == 303
    accounts.disable(central, "admin")
    r = a.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/connexion"
    assert a.login("admin").status_code == 401


def test_partner_sees_aggregates_only(site, tmp_path):
    central, server, enrollment = site
    ctx = make_vault(tmp_path / "v", "Marie Dupont", "arrageois")
    sync.enroll(ctx, enrollment)
    add_person(ctx, "Vandenbroucke", "Léa")
    network.push(ctx)
    devices.approve(central, devices.list_devices(central)[0].id)
    b = Browser(server.url)
    assert b.login("partenaire").status_code == 303
    home = b.get("/")
    assert home.status_code == 200 and "beneficiary" in home.text
    for name in ("Vandenbroucke", "Léa", "Marie Dupont", "Dupont"):
        assert name not in home.text
    did = devices.list_devices(central)[0].id
    for path in ["/appareils", f"/appareils/{did}", "/paquets", "/conflits", "/referentiel", "/journal", "/comptes"]:
        r = b.get(path)
        assert r.status_code == 403 and "Vandenbroucke" not in r.text and "Marie" not in r.text, path
    b.get("/")
    assert b.post(f"/appareils/{did}/revoquer").status_code == 403
    assert b.post("/publier").status_code == 403
    assert devices.list_devices(central)[0].status == "approuve"
    # The chargé·e de mission: conflicts and reference data, not devices.
    c = Browser(server.url)
    c.login("charge")
    assert c.get("/conflits").status_code == 200 and c.get("/referentiel").status_code == 200
    assert c.get("/appareils").status_code == 403


def test_console_actions_are_journaled_and_reach_devices(site, tmp_path):
    central, server, enrollment = site
    a, b2 = make_vault(tmp_path / "a", "Marie Dupont"), make_vault(tmp_path / "b", "Karim Benali")
    for ctx in (a, b2):
        sync.enroll(ctx, enrollment)
    session_id = add_session(a, "Atelier <b>BTP</b>")
    # A's bundle comes on a USB key: uploaded through the form.
    exported = sync.export(a, tmp_path)
    admin = Browser(server.url)
    admin.login("admin")
    admin.get("/paquets")
    with open(exported.path, "rb") as fh:
        r = admin.post("/paquets", files={"paquet": ("paquet.age", fh, "application/octet-stream")})
    assert r.status_code == 303
    page = admin.get("/appareils")
    assert "Marie Dupont" in page.text and "en attente" in page.text.lower()
    did_a = sync.identity(a).device_id
    assert admin.post(f"/appareils/{did_a}/approuver").status_code == 303
    network.push(b2)
    admin.get("/appareils")
    admin.post(f"/appareils/{sync.identity(b2).device_id}/approuver")
    assert {d.status for d in devices.list_devices(central)} == {"approuve"}
    publish.publish(central, None)
    for ctx in (a, b2):
        network.pull(ctx)

    # Concurrent edits of the shared session: a conflict, resolved in the console (20 places kept).
    edit(a, m.AtelierSession, session_id, capacity=15)
    edit(b2, m.AtelierSession, session_id, capacity=20)
    network.push(a)
    network.push(b2)
    charge = Browser(server.url)
    charge.login("charge")
    page = charge.get("/conflits")
    assert "Conflit n°1" in page.text and "(diffère)" in page.text
    assert "Atelier &lt;b&gt;BTP&lt;/b&gt;" in page.text and "<b>BTP</b>" not in page.text  # escaped
    from conseiller_app.central import conflicts

    [open_conflict] = conflicts.list_conflicts(central)
    [letter] = [v.letter for v in open_conflict.versions if v.data["capacity"] == 20]
    assert charge.post("/conflits/1", {"garder": letter}).status_code == 303
    assert "Aucun conflit ouvert" in charge.get("/conflits").text

    # Reference data: a new agency, then publication; the devices get both.
    charge.get("/referentiel")
    r = charge.post("/referentiel/agences", {"name": "Agence Nouvelle Béthune", "commune": "62119", "trades": "macon"})
    assert r.status_code == 303
    assert "Référentiel version 2 créé" in charge.get("/referentiel").text
    assert charge.post("/publier").status_code == 303
    for ctx in (a, b2):
        result = network.pull(ctx)
        assert result.status == "importe" and result.imported and result.imported.reference_version == 2
        with ctx.vault.session() as s:
            assert s.get(m.AtelierSession, session_id).capacity == 20
            assert s.query(m.Agency).filter_by(name="Agence Nouvelle Béthune").count() == 1
    journal = _journal(central)
    for entry in [("admin", "paquet_depose"), ("admin", "appareil_approuve"), ("charge", "conflit_resolu"),
                  ("charge", "agence_ajoutee"), ("charge", "publication")]:
        assert entry in journal
    assert "admin" in admin.get("/journal").text

    # Accounts: the administrator disables one; its open session ends at once.
    page = admin.get("/comptes")
    assert "charge" in page.text and "chargé·e de mission" in page.text
    assert admin.post("/comptes/charge/desactiver").status_code == 303
    assert charge.get("/conflits").status_code == 303
    assert ("admin", "compte_desactive") in journal_after(central)


def test_secure_cookie_over_tls(tmp_path):
    from tests.central.tls import self_signed

    cert, key = self_signed(tmp_path)
    keys = tmp_path / "cles"
    url = f"sqlite:///{tmp_path / 'siege.db'}"
    central = init(url, keys, "Siège de test")
    add_staff(central, "admin")
    server = WebServer(url, keys, extra=("--certfile", str(cert), "--keyfile", str(key)), scheme="https")
    try:
        import ssl

        trust = ssl.create_default_context(cafile=str(cert))
        server.start(verify=trust)
        b = Browser(server.url, verify=trust)
        r = b.login("admin")
        assert r.status_code == 303
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("siege_session=")).lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
        # A device verifies the certificate with the CA named by the enrollment file.
        set_service_address(keys, server.url, cert)
        ctx = make_vault(tmp_path / "v", "Marie Dupont")
        sync.enroll(ctx, keys / "inscription-siege.json")
        add_person(ctx, "Dupont")
        assert network.push(ctx).status == "quarantaine"
        set_service_address(keys, server.url)  # without the CA: the certificate is refused
        sync.enroll(ctx, keys / "inscription-siege.json")
        from conseiller_app.sync.errors import NetworkUnreachable

        with pytest.raises(NetworkUnreachable) as exc:
            network.push(ctx)
        assert "certificat" in exc.value.message
    finally:
        server.stop()
        central.close()


def test_reference_edits_reach_the_devices(site, tmp_path):
    central, server, enrollment = site
    ctx = make_vault(tmp_path / "a", "Marie Dupont")
    sync.enroll(ctx, enrollment)
    session_id = add_session(ctx, "Atelier BTP Arras")
    pushed = network.push(ctx)
    approved = devices.approve(central, devices.list_devices(central)[0].id)
    assert approved.ingested and not approved.errors, (pushed, approved)
    charge = Browser(server.url)
    charge.login("charge")
    page = charge.get("/referentiel")
    assert "Atelier BTP Arras" in page.text
    # Invalid input: a clear French message, nothing changed.
    r = charge.post(f"/referentiel/sessions/{session_id}", {"title": "Atelier BTP Arras", "start_date": "2026-12-10",
                                                            "end_date": "2026-12-01", "place": "x", "capacity": "12"})
    assert r.status_code == 303 and "la fin précède le début" in charge.get("/referentiel").text
    r = charge.post(f"/referentiel/sessions/{session_id}", {
        "title": "Atelier BTP Arras", "start_date": "2026-12-10", "end_date": "2026-12-10",
        "place": "Maison de l'emploi, Arras", "capacity": "18"})
    assert r.status_code == 303
    charge.get("/referentiel")
    assert charge.post("/referentiel/communes", {"insee": "62041", "territoire": "artois"}).status_code == 303
    agency = reference_agency_id(central)
    charge.get("/referentiel")
    r = charge.post(f"/referentiel/agences/{agency}", {"name": "Intérim Exemple Arras (fictive)", "commune": "62041",
                                                       "contact": "03 21 99 99 99", "trades": "macon"})
    assert r.status_code == 303
    charge.get("/referentiel")
    assert charge.post("/publier").status_code == 303
    result = network.pull(ctx)
    assert result.status == "importe" and result.imported and result.imported.reference_installed
    with ctx.vault.session() as s:
        row = s.get(m.AtelierSession, session_id)
        assert (row.place, row.capacity) == ("Maison de l'emploi, Arras", 18)
        assert s.get(m.Commune, "62041").territory == "artois"
        assert s.get(m.Agency, agency).contact == "03 21 99 99 99"
    assert sync.status(ctx).changes_waiting == 0


def journal_after(central) -> list[tuple[str, str]]:
    return _journal(central)


def reference_agency_id(central) -> str:
    from conseiller_app.central import reference_edit

    return reference_edit.current(central)[1].agencies[0]["id"]

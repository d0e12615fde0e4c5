"""The service's error path: an unexpected exception (a bug quoting a person, a database error
carrying a row's values) gives a French 500 page (JSON for the API) with an error id the staff
can quote, and one log record with that id, the route template, the exception type and our own
frames — never the message, the query string, the form or the body; not on the real server's
stderr either. A partner is still refused (403) where a page would fail for others."""

from __future__ import annotations

import logging
import re
import sqlite3

import httpx
import pytest
from litestar.testing import TestClient

from conseiller_app.central.service import init
from conseiller_app.central.web import views
from conseiller_app.central.web.app import create_app
from conseiller_app.central.web.errors import ErrorGuard
from conseiller_app.logs import ScrubbedFormatter
from tests.central.console_helpers import PASSWORDS, TOKEN_RE, Browser, add_staff
from tests.central.webserver import WebServer

NAME, NIR = "Ségolène Dupontel", "2850562123456"
SECRET_QUERY = f"nom=Dupontel&nir={NIR}"
ID_RE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b")
PAGE_ID_RE = re.compile(r'id="reference-erreur">([A-Z2-9]{4}-[A-Z2-9]{4})<')
FORBIDDEN = ("Dupontel", NIR, "Ségolène", "nir=", "nom=", "Traceback", PASSWORDS["admin"])


def _bug(*_args, **_kwargs):
    raise ValueError(f"Fiche de {NAME}, NIR {NIR} : valeur inattendue")


def _assert_clean(text: str) -> None:
    for secret in FORBIDDEN:
        assert secret not in text, secret


# --- in process: a real page function of the real application made to raise ------------------


@pytest.fixture
def app_client(tmp_path):
    central = init(f"sqlite:///{tmp_path / 'siege.db'}", tmp_path / "cles", "Siège de test")
    for who in ("admin", "partenaire"):
        add_staff(central, who)
    with TestClient(ErrorGuard(create_app(central)), raise_server_exceptions=False) as client:
        yield client
    central.close()


def _login(client: TestClient, who: str) -> None:
    client.cookies.clear()
    token = TOKEN_RE.search(client.get("/connexion").text).group(1)
    r = client.post("/connexion", data={"login": who, "password": PASSWORDS[who], "_csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def _service_log(caplog) -> str:
    """What the service logged (not the test's own HTTP client)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("conseiller_app"))


def _error_records(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "conseiller_app.central.web.errors"]


def test_a_failing_console_page_gives_the_french_page_and_one_clean_record(app_client, monkeypatch, caplog):
    _login(app_client, "admin")
    monkeypatch.setattr(views, "indicators", _bug)
    with caplog.at_level(logging.INFO):
        r = app_client.get(f"/?{SECRET_QUERY}")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert "Une erreur inattendue s'est produite" in r.text.replace("&#39;", "'")
    assert "<h1>Erreur inattendue</h1>" in r.text and '<html lang="fr">' in r.text
    error_id = PAGE_ID_RE.search(r.text).group(1)
    _assert_clean(r.text)
    [record] = _error_records(caplog)
    assert record.startswith(f"Erreur inattendue {error_id} : GET / : builtins.ValueError at ")
    # Our package's frames only, innermost first (the failing function here is the test's).
    assert "central/web/console.py:" in record and ":home" in record
    assert "litestar" not in record and "anyio" not in record
    access = [r.getMessage() for r in caplog.records if r.name == "conseiller_app.central.web.access"]
    assert any(line.startswith("GET / 500 ") for line in access), access
    _assert_clean(_service_log(caplog))


def test_a_failing_api_route_answers_json_with_the_id(app_client, monkeypatch, caplog):
    from conseiller_app.central import api

    monkeypatch.setattr(api, "upload", _bug)
    with caplog.at_level(logging.INFO):
        r = app_client.post(f"/api/v1/bundles?{SECRET_QUERY}", content=f"{NAME} {NIR}".encode())
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["erreur"].startswith("Une erreur inattendue s'est produite") and ID_RE.fullmatch(body["id"])
    assert body["id"] in body["message"]  # what the laptop shows
    _assert_clean(r.text)
    [record] = _error_records(caplog)
    assert f"{body['id']} : POST /api/v1/bundles : builtins.ValueError at " in record
    _assert_clean(_service_log(caplog))


def test_a_partner_is_still_refused_where_the_page_would_fail(app_client, monkeypatch, caplog):
    monkeypatch.setattr(views, "device_list", _bug)
    monkeypatch.setattr(views, "bundle_history", _bug)
    monkeypatch.setattr(views, "device_detail", _bug)
    _login(app_client, "partenaire")
    with caplog.at_level(logging.INFO):
        for path in ("/appareils", "/appareils/x", "/paquets", "/conflits", "/journal", "/indicateurs?device=x"):
            r = app_client.get(path)
            assert r.status_code == 403 and "Accès refusé" in r.text, (path, r.status_code)
    assert _error_records(caplog) == []
    _login(app_client, "admin")
    assert app_client.get("/appareils").status_code == 500


def test_the_guard_answers_for_errors_outside_the_handlers(caplog):
    async def broken_middleware(scope, receive, send):
        if scope["type"] == "lifespan":
            for step in ("startup", "shutdown"):
                await receive()
                await send({"type": f"lifespan.{step}.complete"})
            return
        raise RuntimeError(f"{NAME} {NIR}")

    with caplog.at_level(logging.INFO), TestClient(ErrorGuard(broken_middleware)) as client:
        page = client.get(f"/appareils?{SECRET_QUERY}")
        api = client.get(f"/api/v1/status?{SECRET_QUERY}")
    assert page.status_code == 500 and "Erreur inattendue" in page.text
    assert api.status_code == 500 and ID_RE.fullmatch(api.json()["id"])
    records = _error_records(caplog)
    assert len(records) == 2 and api.json()["id"] in records[1] and "(hors route)" in records[1]
    _assert_clean(page.text + api.text + _service_log(caplog))


def test_the_formatter_scrubs_what_libraries_log():
    try:
        raise KeyError(f"{NAME} {NIR}")
    except KeyError as exc:
        bug = exc
        info = (type(exc), exc, exc.__traceback__)
    fmt = ScrubbedFormatter()
    lib = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, f"Task exception: {bug!r}", (), info)
    uvicorn = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "Error loading ASGI app factory: %s",
                                (bug,), None)
    ours = logging.LogRecord("conseiller_app.x", logging.ERROR, __file__, 1, "Opération : %s", ("faite",), info)
    texts = [fmt.format(r) for r in (lib, uvicorn, ours)]
    for text in texts:
        _assert_clean(text)
    assert "message masqué" in texts[0] and "builtins.KeyError at test_web_errors.py:" in texts[0]
    assert texts[1].endswith("Error loading ASGI app factory: builtins.KeyError")
    assert "Opération : faite — builtins.KeyError" in texts[2]
    assert lib.exc_info is info  # the original record is left to the other handlers


# --- the real server (uvicorn in its own process): database errors carrying a person's data ----


@pytest.fixture
def server(tmp_path):
    db = tmp_path / "siege.db"
    central = init(f"sqlite:///{db}", tmp_path / "cles", "Siège de test")
    for who in ("admin", "partenaire"):
        add_staff(central, who)
    server = WebServer(f"sqlite:///{db}", tmp_path / "cles").start()
    yield server, db
    server.stop()
    central.close()


def _trigger(db, table: str, event: str = "INSERT") -> None:
    """A database error whose message names a person, as a constraint quoting a row would."""
    with sqlite3.connect(db) as conn:
        conn.execute(f"CREATE TRIGGER faute_{table}_{event.lower()} BEFORE {event} ON {table} "
                     f"BEGIN SELECT RAISE(ABORT, 'ligne refusée : {NAME}, NIR {NIR}'); END")


def test_the_real_server_logs_ids_and_nothing_personal(server):
    server, db = server
    admin, partner = Browser(server.url), Browser(server.url)
    assert admin.login("admin").status_code == 303 and partner.login("partenaire").status_code == 303
    admin.get("/referentiel")
    _trigger(db, "staff_journal")
    # 1. In a page's handler: publishing journals the action; the journal refuses the row.
    r = admin.post(f"/publier?{SECRET_QUERY}", {"commentaire": f"{NAME} {NIR}"})
    assert r.status_code == 500 and "Une erreur inattendue s&#39;est produite" in r.text
    ids = [PAGE_ID_RE.search(r.text).group(1)]
    # 2. In the API: a refused upload is noted; the refusal table refuses the row.
    _trigger(db, "refusal")
    r = httpx.post(f"{server.url}/api/v1/bundles?{SECRET_QUERY}", content=f"{NAME} {NIR}".encode() * 10)
    assert r.status_code == 500 and r.json()["erreur"].startswith("Une erreur inattendue")
    ids.append(r.json()["id"])
    # A partner is still refused, not failed, while pages fail for others.
    for path in ("/appareils", "/paquets", "/conflits", "/journal"):
        assert partner.get(path).status_code == 403, path
    # 3. In the session middleware, after the handler (storing the session as the response
    # starts): the framework gives up, the outermost guard answers.
    _trigger(db, "staff_session")
    r = Browser(server.url).get(f"/connexion?{SECRET_QUERY}")
    assert r.status_code == 500 and "Erreur inattendue" in r.text
    ids.append(ID_RE.search(r.text.split("Référence")[1]).group(1))
    assert len(set(ids)) == 3
    _assert_clean(r.text)
    server.stop()  # every line written
    log = server.log.read_text(encoding="utf-8")
    for error_id in ids:
        assert len(re.findall(f"Erreur inattendue {error_id} : ", log)) == 1, (error_id, log)
    assert "POST /publier : sqlalchemy.exc.IntegrityError at " in log
    assert "POST /api/v1/bundles : sqlalchemy.exc.IntegrityError at central/api.py:" in log
    assert f"{ids[2]} : GET /connexion : litestar.exceptions.base_exceptions.LitestarException at " \
           "central/web/store.py:" in log
    assert "GET /appareils 403 " in log and "POST /publier 500 " in log  # the access log: templates only
    assert "INSERT INTO" not in log and "[parameters" not in log and "ligne refusée" not in log
    _assert_clean(log)


def test_two_workers_on_postgresql_log_the_same_way(pg_server, tmp_path):
    """Each uvicorn worker process applies the scrubbing logging (spawned, not forked)."""
    from sqlalchemy import text

    url = pg_server.new_database()
    central = init(url, tmp_path / "cles", "Siège de test")
    with central.db.engine.begin() as conn:
        conn.execute(text("CREATE FUNCTION faute() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
                          f"'ligne refusée : {NAME}, NIR {NIR}'; END $$ LANGUAGE plpgsql"))
        conn.execute(text("CREATE TRIGGER faute BEFORE INSERT ON refusal FOR EACH ROW EXECUTE FUNCTION faute()"))
    server = WebServer(url, tmp_path / "cles", workers=2).start()
    try:
        answers = [httpx.post(f"{server.url}/api/v1/bundles?{SECRET_QUERY}", content=f"{NAME} {NIR}".encode() * 10,
                              timeout=30) for _ in range(6)]
    finally:
        server.stop()
        central.close()
    assert {a.status_code for a in answers} == {500}
    log = server.log.read_text(encoding="utf-8")
    for a in answers:
        _assert_clean(a.text)
        assert f"Erreur inattendue {a.json()['id']} : POST /api/v1/bundles : sqlalchemy.exc." in log
    assert log.count("POST /api/v1/bundles 500 ") == 6
    assert "ligne refusée" not in log and "INSERT INTO" not in log
    _assert_clean(log)

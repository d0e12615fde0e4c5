"""The staff console: server-rendered French pages (Jinja2, auto-escaped; device data is never
marked safe). Every page but ``/connexion`` needs a session; each route names the roles allowed
(checked on every request, the account re-read each time: a disabled account is out at once).
Every action is journaled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState

from conseiller_app.central import accounts, conflicts, devices, reference_edit
from conseiller_app.central.accounts import ADMIN, CHARGE, PARTNER, CurrentUser
from conseiller_app.central.web import views
from conseiller_app.domain.errors import AppError, ValidationError

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

# Litestar's request and response are generic (user, auth, state; content): the console keeps its
# user in the session, not in the framework's auth, so these stay open.
Req = Request[Any, Any, Any]
P = ParamSpec("P")
T = TypeVar("T")

STAFF = (ADMIN, CHARGE)
ANYONE = (ADMIN, CHARGE, PARTNER)


def _central(request: Req) -> Central:
    central: Central = request.app.state.central
    return central


async def _run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn`` in a worker thread (the database work is synchronous)."""
    return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))


async def _staff(request: Req, roles: tuple[str, ...]) -> CurrentUser:
    login = request.session.get("login") if request.session else None
    user = await _run(accounts.current_user, _central(request), login) if login else None
    if user is None:
        if request.session:
            request.clear_session()
        raise NotAuthorizedException()
    if user.role not in roles:
        raise PermissionDeniedException("Votre rôle ne donne pas accès à cette page.")
    return user


def _page(request: Req, name: str, user: CurrentUser | None, status: int = 200, **context: Any) -> Template:
    flash = None
    if request.session and "flash" in request.session:
        flash = request.session.pop("flash")
    token = ScopeState.from_scope(request.scope).csrf_token or ""
    return Template(template_name=name, status_code=status,
                    context={"user": user, "csrf_token": token, "flash": flash, "path": request.url.path,
                             "training": _central(request).demo, **context})


def _flash(request: Req, text: str, kind: str = "succes") -> None:
    request.session["flash"] = {"text": text, "kind": kind}


def _back(to: str) -> Redirect:
    return Redirect(path=to, status_code=303)


async def _form(request: Req) -> dict[str, Any]:
    form = await request.form()
    return {k: form.get(k) for k in form}


async def _journal(request: Req, user: CurrentUser, action: str, target: str | None, detail: str = "") -> None:
    await _run(accounts.record, _central(request), user.login, action, target, detail)


# --- login ------------------------------------------------------------------------------------


@get("/connexion")
async def login_page(request: Req) -> Template:
    return _page(request, "connexion.html", None)


@post("/connexion")
async def login(request: Req) -> Response[Any]:
    form = await _form(request)
    result = await _run(accounts.authenticate, _central(request), str(form.get("login") or ""),
                        str(form.get("password") or ""))
    if not result.ok:
        return _page(request, "connexion.html", None, status=429 if result.wait_seconds else 401,
                     error=result.message, login=str(form.get("login") or "")[:60])
    request.set_session({"login": result.login})
    return _back("/")


@post("/deconnexion")
async def logout(request: Req) -> Response[Any]:
    login = request.session.get("login") if request.session else None
    if login:
        await _run(accounts.record, _central(request), login, "deconnexion", None)
    request.clear_session()
    return _back("/connexion")


# --- home: aggregated indicators (every role) ---------------------------------------------------


@get("/")
async def home(request: Req) -> Template:
    user = await _staff(request, ANYONE)
    return _page(request, "accueil.html", user, figures=await _run(views.indicators, _central(request)))


# --- devices (administrateur) -------------------------------------------------------------------


@get("/appareils")
async def devices_page(request: Req) -> Template:
    user = await _staff(request, (ADMIN,))
    rows = await _run(views.device_list, _central(request))
    return _page(request, "appareils.html", user, pending=[d for d in rows if d.status == "en_attente"],
                 others=[d for d in rows if d.status != "en_attente"])


@get("/appareils/{device_id:str}")
async def device_page(request: Req, device_id: str) -> Template:
    user = await _staff(request, (ADMIN,))
    detail = await _run(views.device_detail, _central(request), device_id)
    return _page(request, "appareil.html", user, device=detail.device, bundles=detail.bundles,
                 incidents=detail.incidents, publications=detail.publications, refusals=detail.refusals)


@post("/appareils/{device_id:str}/approuver")
async def approve_device(request: Req, device_id: str) -> Response[Any]:
    user = await _staff(request, (ADMIN,))
    result = await _run(devices.approve, _central(request), device_id)
    d = result.device
    await _journal(request, user, "appareil_approuve", d.id, f"{d.name} ({d.territory}), "
                   f"empreinte {d.fingerprint}, {len(result.ingested)} paquet(s) intégré(s)")
    text = f"Appareil « {d.name} » approuvé : {len(result.ingested)} paquet(s) en quarantaine intégré(s)."
    if result.errors:
        text += f" {len(result.errors)} paquet(s) refusé(s) : voir l'historique."
    _flash(request, text, "attention" if result.errors else "succes")
    return _back("/appareils")


@post("/appareils/{device_id:str}/revoquer")
async def revoke_device(request: Req, device_id: str) -> Response[Any]:
    user = await _staff(request, (ADMIN,))
    result = await _run(devices.revoke, _central(request), device_id)
    d = result.device
    await _journal(request, user, "appareil_revoque", d.id, d.name)
    _flash(request, f"Appareil « {d.name} » révoqué : ses prochains paquets seront refusés.")
    return _back("/appareils")


# --- bundles (administrateur) -------------------------------------------------------------------


@get("/paquets")
async def bundles_page(request: Req) -> Template:
    user = await _staff(request, (ADMIN,))
    history = await _run(views.bundle_history, _central(request))
    return _page(request, "paquets.html", user, bundles=history.bundles, refusals=history.refusals,
                 incidents=history.incidents)


@post("/paquets")
async def upload_bundle_form(request: Req) -> Response[Any]:
    """A bundle that came on a USB key, ingested exactly as an upload from the device."""
    from conseiller_app.central import api

    user = await _staff(request, (ADMIN,))
    form = await request.form()
    upload = form.get("paquet")
    if upload is None or not hasattr(upload, "read"):
        _flash(request, "Choisissez un fichier de paquet (.age).", "erreur")
        return _back("/paquets")
    data = await upload.read()
    try:
        status, body = await _run(lambda: api.upload(_central(request), data, source="console",
                                                     file_name=(upload.filename or "paquet.age")[:200]))
    except api.ApiRefused as exc:
        await _journal(request, user, "paquet_refuse", None, exc.reason)
        _flash(request, exc.message, "erreur")
        return _back("/paquets")
    await _journal(request, user, "paquet_depose", body["bundle_id"], body["status"])
    _flash(request, body["message"], "attention" if status == 202 else "succes")
    return _back("/paquets")


# --- conflicts (administrateur, chargé·e de mission) --------------------------------------------


@get("/conflits")
async def conflicts_page(request: Req) -> Template:
    user = await _staff(request, STAFF)
    rows = await _run(lambda: conflicts.list_conflicts(_central(request)))
    return _page(request, "conflits.html", user, conflicts=rows)


@post("/conflits/{conflict_id:int}")
async def resolve_conflict(request: Req, conflict_id: int) -> Response[Any]:
    user = await _staff(request, STAFF)
    form = await _form(request)
    keep = str(form.get("garder") or "")
    r = await _run(lambda: conflicts.resolve(_central(request), conflict_id, keep, who=user.login))
    await _journal(request, user, "conflit_resolu", str(conflict_id), f"version {r.kept} gardée ({r.entity})")
    _flash(request, f"Conflit n°{conflict_id} résolu : la version {r.kept} est gardée. Elle partira vers les "
                    "appareils concernés à la prochaine publication.")
    return _back("/conflits")


# --- reference data (administrateur, chargé·e de mission) ---------------------------------------


@get("/referentiel")
async def reference_page(request: Req) -> Template:
    user = await _staff(request, STAFF)
    version, data = await _run(reference_edit.current, _central(request))
    sessions = await _run(reference_edit.sessions, _central(request))
    territories = dict(data.territories)
    return _page(request, "referentiel.html", user, version=version, agencies=data.agencies,
                 territories=territories, sessions=sessions,
                 communes=sorted(data.communes.values(), key=lambda c: c.name))


async def _reference_action(request: Req, user: CurrentUser, action: str, fn: Callable[..., Any], *args: Any) -> Response[Any]:
    try:
        version, created = await _run(fn, _central(request), *args)
    except ValidationError as exc:
        _flash(request, str(exc), "erreur")
        return _back("/referentiel")
    await _journal(request, user, action, f"référentiel v{version}", "nouvelle version" if created else "inchangé")
    _flash(request, f"Référentiel version {version} créé : publiez-le pour l'envoyer aux appareils." if created
           else "Rien de changé : le référentiel en vigueur est identique.")
    return _back("/referentiel")


@post("/referentiel/agences")
async def add_agency(request: Req) -> Response[Any]:
    user = await _staff(request, STAFF)
    return await _reference_action(request, user, "agence_ajoutee", reference_edit.save_agency, await _form(request))


@post("/referentiel/agences/{agency_id:str}")
async def edit_agency(request: Req, agency_id: str) -> Response[Any]:
    user = await _staff(request, STAFF)
    return await _reference_action(request, user, "agence_modifiee", reference_edit.save_agency,
                                   await _form(request), agency_id)


@post("/referentiel/communes")
async def commune_territory(request: Req) -> Response[Any]:
    user = await _staff(request, STAFF)
    form = await _form(request)
    return await _reference_action(request, user, "commune_rattachee", reference_edit.set_commune_territory,
                                   str(form.get("insee") or ""), str(form.get("territoire") or ""))


@post("/referentiel/sessions/{session_id:str}")
async def edit_session(request: Req, session_id: str) -> Response[Any]:
    user = await _staff(request, STAFF)
    form = await _form(request)
    try:
        result = await _run(reference_edit.edit_session, _central(request), session_id, form)
    except ValidationError as exc:
        _flash(request, str(exc), "erreur")
        return _back("/referentiel")
    await _journal(request, user, "session_modifiee", session_id, f"version {result.version or '—'}")
    _flash(request, "Session modifiée : publiez pour l'envoyer aux appareils." if result.changed
           else "Rien de changé dans cette session.")
    return _back("/referentiel")


@post("/publier")
async def publish_all(request: Req) -> Response[Any]:
    from conseiller_app.central.publish import publish

    user = await _staff(request, STAFF)
    made = await _run(publish, _central(request), None)
    await _journal(request, user, "publication", None, f"{len(made)} appareil(s)")
    _flash(request, f"Publication faite pour {len(made)} appareil(s) approuvé(s) : ils la reçoivent à leur "
                    "prochain échange." if made else "Aucun appareil approuvé : rien à publier.")
    return _back("/referentiel")


# --- journal (administrateur) -------------------------------------------------------------------


@get("/journal")
async def journal_page(request: Req) -> Template:
    user = await _staff(request, (ADMIN,))
    return _page(request, "journal.html", user, entries=await _run(accounts.journal_entries, _central(request)))


# --- accounts (administrateur): created with « conseiller-central users add » (masked prompt) ----


@get("/comptes")
async def accounts_page(request: Req) -> Template:
    user = await _staff(request, (ADMIN,))
    return _page(request, "comptes.html", user, accounts=await _run(accounts.list_users, _central(request)))


@post("/comptes/{login:str}/desactiver")
async def disable_account(request: Req, login: str) -> Response[Any]:
    user = await _staff(request, (ADMIN,))
    if login == user.login:
        _flash(request, "Vous ne pouvez pas désactiver votre propre compte.", "erreur")
        return _back("/comptes")
    await _run(lambda: accounts.disable(_central(request), login, by=user.login))
    _flash(request, f"Compte « {login} » désactivé : ses sessions ouvertes sont fermées.")
    return _back("/comptes")


ROUTES = [accounts_page, disable_account, login_page, login, logout, home, devices_page, device_page, approve_device,
          revoke_device, bundles_page,
          upload_bundle_form, conflicts_page, resolve_conflict, reference_page, add_agency, edit_agency,
          commune_territory, edit_session, publish_all, journal_page]


# --- errors -------------------------------------------------------------------------------------


def error_page(request: Req, message: str, status: int) -> Template:
    return Template(template_name="erreur.html", status_code=status,
                    context={"user": None, "message": message, "status": status, "csrf_token": "", "flash": None,
                             "path": request.url.path, "training": _central(request).demo})


def http_error(request: Req, exc: HTTPException) -> Response[Any]:
    if request.url.path.startswith("/api/"):
        return Response({"reason": "http", "message": exc.detail}, status_code=exc.status_code,
                        media_type="application/json")
    if exc.status_code == 401:
        return Redirect(path="/connexion", status_code=303)
    messages = {403: "Accès refusé : votre rôle ne donne pas accès à cette page, ou le formulaire a expiré "
                     "(jeton de sécurité absent ou invalide). Rechargez la page et recommencez.",
                404: "Page introuvable.", 413: "Fichier trop volumineux.", 405: "Méthode non autorisée."}
    return error_page(request, messages.get(exc.status_code, "La demande n'a pas pu être traitée."), exc.status_code)


def app_error(request: Req, exc: AppError) -> Response[Any]:
    """A known error of an action (device not found, conflict already resolved…): its message."""
    return error_page(request, exc.message, 404 if type(exc).__name__ == "NotFound" else 400)

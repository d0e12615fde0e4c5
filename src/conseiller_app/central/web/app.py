"""The ASGI application: the device API (``/api/v1/…``) and the staff console (``/``).

One :class:`~conseiller_app.central.service.Central` per worker process, opened from the same
environment variables as the command line (``conseiller-central serve`` sets them for its
workers). The database work is synchronous (SQLAlchemy): handlers run it in worker threads.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from litestar import Litestar, Request, Response, get, post
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException
from litestar.middleware.session.server_side import ServerSideSessionConfig
from sqlalchemy import select

from conseiller_app.central import api
from conseiller_app.central.models import Meta
from conseiller_app.central.web import errors
from conseiller_app.domain.errors import AppError

if TYPE_CHECKING:
    from litestar.datastructures import ResponseHeader

    from conseiller_app.central.service import Central

# Litestar's request and response are generic (user, auth, state; content): the console keeps its
# user in the session, not in the framework's auth, so these stay open.
Req = Request[Any, Any, Any]

DB_ENV, KEYS_ENV, SECURE_ENV = "CONSEILLER_CENTRAL_DB", "CONSEILLER_CENTRAL_KEYS", "CONSEILLER_CENTRAL_SECURE_COOKIES"
MAX_BYTES_ENV = "CONSEILLER_CENTRAL_MAX_BUNDLE_BYTES"
SESSION_MINUTES = 30  # a console session ends after this long without a page viewed
API = "/api/v1"


def _central(request: Req) -> Central:
    central: Central = request.app.state.central
    return central


def _json(body: Mapping[str, Any], status: int) -> Response[Any]:
    return Response(body, status_code=status, media_type="application/json")


def _refused(exc: api.ApiRefused) -> Response[Any]:
    return _json(exc.as_dict(), exc.status)


@get(f"{API}/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@post(f"{API}/bundles")
async def upload_bundle(request: Req) -> Response[Any]:
    # The body limit (413) is Litestar's request_max_body_size, enforced while the body streams in.
    data = await request.body()
    try:
        status, body = await anyio.to_thread.run_sync(api.upload, _central(request), data)
    except api.ApiRefused as exc:
        return _refused(exc)
    return _json(body, status)


def _signed(request: Req) -> dict[str, Any]:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return api.verify(_central(request), request.method, path, request.headers)


@get(f"{API}/return-bundle")
async def return_bundle(request: Req, after: int = 0) -> Response[Any]:
    try:
        device = await anyio.to_thread.run_sync(_signed, request)
    except api.ApiRefused as exc:
        return _refused(exc)
    content = await anyio.to_thread.run_sync(api.return_bundle, _central(request), device, after)
    if content is None:
        return Response(b"", status_code=204)
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": 'attachment; filename="retour-siege.age"'})


@get(f"{API}/status")
async def device_status(request: Req) -> Response[Any]:
    try:
        device = await anyio.to_thread.run_sync(_signed, request)
    except api.ApiRefused as exc:
        return _refused(exc)
    return _json(await anyio.to_thread.run_sync(api.device_status, _central(request), device), 200)


def _app_error(request: Req, exc: AppError) -> Response[Any]:
    from conseiller_app.central.db import DatabaseUnavailable
    from conseiller_app.central.web import console

    unavailable = isinstance(exc, DatabaseUnavailable)
    if unavailable:  # for the operators: which route, never the message's details
        errors.log.warning("Base de données indisponible : %s %s", request.method, errors.route_of(request.scope))
    if request.url.path.startswith(API):
        return _json({"reason": "unavailable" if unavailable else "error", "message": exc.message},
                     503 if unavailable else 400)
    if unavailable:
        return console.error_page(request, exc.message, 503)
    return console.app_error(request, exc)


def _security_headers() -> list[ResponseHeader]:
    from litestar.datastructures import ResponseHeader

    return [ResponseHeader(name=k, value=v) for k, v in (
        ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                    "frame-ancestors 'none'; base-uri 'none'"),
        ("Cache-Control", "no-store"))]


_SECURITY_HEADERS = _security_headers()


def web_secret(central: Central) -> str:
    """The secret of the CSRF tokens, shared by every worker: made once, kept in the database."""
    mt = Meta.__table__
    with central.db.write() as conn:
        value = conn.execute(select(mt.c.value).where(mt.c.key == "web_secret")).scalar()
        if value is None:
            value = secrets.token_urlsafe(32)
            conn.execute(mt.insert().values(key="web_secret", value=value))
    return str(value)


def create_app(central: Central, *, secure_cookies: bool = False) -> Litestar:
    from litestar.contrib.jinja import JinjaTemplateEngine
    from litestar.template.config import TemplateConfig

    from conseiller_app.central.web import console, indicators_page
    from conseiller_app.central.web.store import DatabaseStore

    secret = web_secret(central)
    sessions = ServerSideSessionConfig(
        key="siege_session", max_age=SESSION_MINUTES * 60, renew_on_access=True, secure=secure_cookies,
        httponly=True, samesite="strict", exclude=[f"^{API}/"], store="sessions")
    csrf = CSRFConfig(secret=secret, cookie_name="siege_csrf", cookie_secure=secure_cookies, cookie_samesite="strict",
                      exclude=[f"^{API}/"])
    templates = TemplateConfig(directory=Path(__file__).parent / "templates", engine=JinjaTemplateEngine)
    app = Litestar(
        route_handlers=[health, upload_bundle, return_bundle, device_status, *console.ROUTES, *indicators_page.ROUTES],
        middleware=[sessions.middleware],
        stores={"sessions": DatabaseStore(central)},
        csrf_config=csrf,
        template_config=templates,
        request_max_body_size=central.limits.max_file_bytes,
        # An unexpected exception (and a 500 of the framework itself): a French page with an error
        # id, one log record without the message (errors.py). No logging config of the framework:
        # the service's logging is errors.LOG_CONFIG, applied by uvicorn.
        exception_handlers={AppError: _app_error, HTTPException: console.http_error,
                            Exception: errors.unexpected_error, 500: errors.unexpected_error},
        response_headers=_SECURITY_HEADERS,
        logging_config=None,
        debug=False,
    )
    app.state.central = central
    app.state.secure_cookies = secure_cookies
    return app


def create_app_from_env() -> errors.ErrorGuard:
    """The factory uvicorn calls in each worker process: the application inside the outermost
    guard (errors raised outside the framework's handlers, the access log)."""
    from dataclasses import replace

    from conseiller_app.central.service import open_central
    from conseiller_app.logs import describe_bug
    from conseiller_app.sync.format import DEFAULT_LIMITS

    errors.install_hooks()
    keys = os.environ.get(KEYS_ENV)
    limits = DEFAULT_LIMITS
    if os.environ.get(MAX_BYTES_ENV, "").isdigit():  # a lower limit (tests, a smaller proxy limit)
        limits = replace(limits, max_file_bytes=min(limits.max_file_bytes, int(os.environ[MAX_BYTES_ENV])))
    try:
        central = open_central(os.environ[DB_ENV], Path(keys) if keys else None, limits=limits,
                               key_passphrase=os.environ.get("CONSEILLER_CENTRAL_KEY_PASSPHRASE") or None)
        app = create_app(central, secure_cookies=os.environ.get(SECURE_ENV) == "1")
    except AppError as exc:  # a French message written for people: safe to log
        errors.log.error("Le service ne peut pas démarrer : %s", exc.message)
        raise
    except Exception as exc:
        errors.log.error("Le service ne peut pas démarrer : %s", describe_bug(exc, own_code_only=True))
        raise
    return errors.ErrorGuard(app)

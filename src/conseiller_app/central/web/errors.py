"""The service's error path: an unexpected exception never shows or logs personal data.

A bug (or a database error) can carry a person's name or number in its message, and the request
its query string and form. So an unexpected exception gives:

- to the browser, a French 500 page with a short error id the staff can quote (JSON
  ``{"erreur": …, "id": …}`` for ``/api/``);
- to the log, one record: the id, the method and the route *template* (``/appareils/{device_id}``,
  never the URL with its query string), the exception type and the file:line:function frames of
  our own code — never the message, local values, form or body.

Three layers: :func:`unexpected_error`, the application's handler for ``Exception`` (and for the
framework's own 500s); :class:`ErrorGuard`, the outermost ASGI wrapper for anything escaping the
framework's handlers (a failing handler, middleware); and :data:`LOG_CONFIG`, the logging
configuration uvicorn applies in each process, whose formatter scrubs whatever a library logs.
The guard also writes the access log: method, route template, status and duration, no query
string, no client address.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import sys
import threading
import time
from collections.abc import Mapping
from html import escape
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from conseiller_app.logs import describe_bug

if TYPE_CHECKING:
    from litestar import Litestar, Request, Response
    from litestar.types import (
        HTTPResponseBodyEvent,
        HTTPResponseStartEvent,
        LifeSpanReceive,
        LifeSpanScope,
        LifeSpanSend,
        Message,
        Receive,
        Scope,
        Send,
    )

log = logging.getLogger("conseiller_app.central.web.errors")
access_log = logging.getLogger("conseiller_app.central.web.access")

MESSAGE = "Une erreur inattendue s'est produite ; elle a été enregistrée dans le journal technique du siège."
ADVICE = "Réessayez dans un instant. Si elle se reproduit, communiquez cette référence à l'administrateur du siège."
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: easy to read out on the phone
_ID_ATTR = "_conseiller_error_id"
UNROUTED = "(hors route)"


def new_error_id() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def route_of(scope: Mapping[str, object]) -> str:
    """The route's template (``/appareils/{device_id}``), never the path or its query string."""
    return str(scope.get("path_template") or UNROUTED)


def log_unexpected(scope: Mapping[str, object], exc: BaseException) -> str:
    """Log an unexpected exception once (type and our frames only) and return its error id: the
    handler logs it, the outer guard seeing the same exception again reuses its id."""
    known = getattr(exc, _ID_ATTR, None)
    if isinstance(known, str) and known:
        return known
    error_id = new_error_id()
    log.error("Erreur inattendue %s : %s %s : %s", error_id, scope.get("method", scope.get("type", "?")),
              route_of(scope), describe_bug(exc, own_code_only=True))
    with contextlib.suppress(AttributeError):  # an exception type with __slots__
        setattr(exc, _ID_ATTR, error_id)
    return error_id


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def api_body(error_id: str) -> dict[str, str]:
    """``erreur`` and ``id`` for scripts; ``reason`` and ``message`` as in every other refusal of
    the API (the laptop shows ``message``)."""
    return {"erreur": MESSAGE, "id": error_id, "reason": "erreur_interne",
            "message": f"Le service du siège a rencontré une erreur inattendue (référence {error_id})."}


def static_page(error_id: str) -> str:
    """The 500 page without the template engine (for when rendering is what failed)."""
    return ('<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>Erreur inattendue — Console du siège</title><style>body { font-family: "DejaVu Sans", Arial, '
            'sans-serif; line-height: 1.5; margin: 1.5rem; color: #1b1b1b; } a { color: #0b4f8a; }</style>'
            '</head><body><main><h1>Erreur inattendue</h1>'
            f'<p>{escape(MESSAGE)}</p><p>{escape(ADVICE)}</p>'
            f'<p>Référence de l\'erreur : <strong>{escape(error_id)}</strong></p>'
            '<p><a href="/">Retour au tableau de bord</a></p></main></body></html>')


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The application's handler for any exception no other handler takes (and for 500s)."""
    from litestar import Response

    error_id = log_unexpected(request.scope, exc)
    headers = {"Cache-Control": "no-store"}
    if is_api(request.url.path):
        return Response(api_body(error_id), status_code=500, media_type="application/json", headers=headers)
    try:  # rendered here, so that a failing template falls back to the static page at once
        engine = request.app.template_engine
        if engine is None:
            raise LookupError("no template engine")
        html = engine.get_template("erreur.html").render(
            user=None, status=500, message=MESSAGE, advice=ADVICE, error_id=error_id,
            csrf_token="", flash=None, path=request.url.path, training=bool(request.app.state.central.demo))
    except Exception:  # noqa: BLE001 - the page of last resort
        html = static_page(error_id)
    return Response(html, status_code=500, media_type="text/html", headers=headers)


class ErrorGuard:
    """The outermost ASGI wrapper: the access log, and a last resort for exceptions raised
    outside the framework's handlers (in a handler of errors, in middleware). Nothing reaches
    uvicorn, which would print the traceback with its message."""

    def __init__(self, app: Litestar) -> None:
        self.app = app

    async def __call__(self, scope: Scope | LifeSpanScope, receive: Receive | LifeSpanReceive,
                       send: Send | LifeSpanSend) -> None:
        from litestar.enums import ScopeType

        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        # An HTTP scope comes with the HTTP send (the ASGI protocol; the types cannot tie the two).
        http_send = cast("Send", send)
        started = time.monotonic()
        status: list[int] = []

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await http_send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the last resort: logged without its message
            error_id = log_unexpected(scope, exc)
            if not status:
                await self._answer(scope, http_send, error_id)
                status.append(500)
        finally:
            access_log.info("%s %s %s %d ms", scope.get("method", "?"), route_of(scope),
                            status[0] if status else "—", round((time.monotonic() - started) * 1000))

    @staticmethod
    async def _answer(scope: Mapping[str, object], send: Send, error_id: str) -> None:
        if is_api(str(scope.get("path", ""))):
            body, kind = json.dumps(api_body(error_id), ensure_ascii=False).encode(), b"application/json"
        else:
            body, kind = static_page(error_id).encode(), b"text/html; charset=utf-8"
        try:
            start: HTTPResponseStartEvent = {
                "type": "http.response.start", "status": 500,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]}
            end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
            await send(start)
            await send(end)
        except Exception:  # noqa: BLE001 - the client went away: nothing more to tell it
            pass


# --- logging of the service's processes -----------------------------------------------------------

FORMATTER = "conseiller_app.logs.ScrubbedFormatter"

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"scrubbed": {"()": FORMATTER}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "scrubbed", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "uvicorn.error": {"level": "WARNING"},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},  # it logs query strings
        "conseiller_app": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "sqlalchemy": {"level": "WARNING"},
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
"""Applied by uvicorn in the main process and in each worker (``log_config``)."""


def install_hooks() -> None:
    """Uncaught exceptions of the process or of a thread: logged scrubbed, not printed whole."""

    def process_hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("Exception non rattrapée : %s", describe_bug(exc))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
            log.error("Exception non rattrapée dans un fil d'exécution : %s", describe_bug(args.exc_value))

    sys.excepthook = process_hook
    threading.excepthook = thread_hook

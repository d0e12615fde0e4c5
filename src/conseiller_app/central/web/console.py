"""The staff console: server-rendered French pages (Jinja2, auto-escaped)."""

from __future__ import annotations

from litestar import Request, Response
from litestar.exceptions import HTTPException

ROUTES: list = []


def error_page(request: Request, message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain")


def http_error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/"):
        return Response({"reason": "http", "message": exc.detail}, status_code=exc.status_code,
                        media_type="application/json")
    return error_page(request, exc.detail, exc.status_code)

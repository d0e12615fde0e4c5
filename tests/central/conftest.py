"""Central office fixtures: the same tests run on SQLite and on a real PostgreSQL server started
here on 127.0.0.1 (skipped with the reason when none can be started, never in CI)."""

from __future__ import annotations

import os

import pytest

from tests.central import pgserver


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_server():
    try:
        server = pgserver.start()
    except pgserver.Unavailable as exc:
        if _in_ci():
            pytest.fail(f"PostgreSQL doit fonctionner en CI : {exc}")
        pytest.skip(f"PostgreSQL indisponible sur cette machine, tests PostgreSQL ignorés : {exc}")
    yield server
    server.stop()


def new_db_url(request, tmp_path_factory, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('siege') / 'siege.db'}"
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory) -> str:
    """A fresh, empty central office database on each backend."""
    return new_db_url(request, tmp_path_factory, request.param)

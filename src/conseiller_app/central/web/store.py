"""Console sessions kept in the central office's database, so every uvicorn worker sees the same
sessions and a logout (or a disabled account) ends them at once. Litestar generates the session
ids, sets the cookie and serialises the data; this store only keeps the bytes with an expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import anyio.to_thread
from litestar.stores.base import Store
from sqlalchemy import select

from conseiller_app.central.models import StaffSession

if TYPE_CHECKING:
    from conseiller_app.central.service import Central


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _seconds(value: int | timedelta | None) -> int | None:
    return int(value.total_seconds()) if isinstance(value, timedelta) else value


class DatabaseStore(Store):
    def __init__(self, central: Central) -> None:
        self.central = central
        self.table = StaffSession.__table__

    # Sessions are small rows written without the central office's writer lock (an ingest must
    # not hold a login back); on SQLite the database serialises them anyway.
    def _set(self, key: str, value: bytes, expires_in: int | None) -> None:
        t = self.table
        expires = _now() + timedelta(seconds=expires_in) if expires_in else None
        with self.central.db.engine.begin() as conn:
            conn.execute(t.delete().where(t.c.key == key))
            conn.execute(t.insert().values(key=key, value=value, expires_at=expires))
            conn.execute(t.delete().where(t.c.expires_at < _now()))

    def _get(self, key: str, renew_for: int | None) -> bytes | None:
        t = self.table
        with self.central.db.engine.begin() as conn:
            row = conn.execute(select(t.c.value, t.c.expires_at).where(t.c.key == key)).first()
            if row is None:
                return None
            if row.expires_at is not None and row.expires_at <= _now():
                conn.execute(t.delete().where(t.c.key == key))
                return None
            if renew_for and row.expires_at is not None:
                conn.execute(t.update().where(t.c.key == key).values(expires_at=_now() + timedelta(seconds=renew_for)))
            return bytes(row.value)

    def _delete(self, key: str | None) -> None:
        t = self.table
        with self.central.db.engine.begin() as conn:
            conn.execute(t.delete() if key is None else t.delete().where(t.c.key == key))

    def _expires_in(self, key: str) -> int | None:
        t = self.table
        with self.central.db.engine.begin() as conn:
            expires = conn.execute(select(t.c.expires_at).where(t.c.key == key)).scalar()
        return None if expires is None else max(0, int((expires - _now()).total_seconds()))

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode("utf-8") if isinstance(value, str) else value
        await anyio.to_thread.run_sync(self._set, key, data, _seconds(expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await anyio.to_thread.run_sync(self._get, key, _seconds(renew_for))

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(self._delete, key)

    async def delete_all(self) -> None:
        await anyio.to_thread.run_sync(self._delete, None)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        return await anyio.to_thread.run_sync(self._expires_in, key)

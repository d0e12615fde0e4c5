"""Staff accounts of the console: argon2 password hashes (``argon2-cffi``), roles, a slowdown
after failed logins, and the journal of every staff action.

Roles: **administrateur** (devices, keys, accounts, bundles), **charge_mission** (conflicts,
reference data, indicators), **partenaire** (aggregated indicators only, never a person's data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from conseiller_app.central.models import StaffJournal, StaffSession, StaffUser
from conseiller_app.domain.errors import NotFound, UsageError, ValidationError
from conseiller_app.domain.validation import check_passphrase

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from conseiller_app.central.service import Central

ADMIN, CHARGE, PARTNER = "administrateur", "charge_mission", "partenaire"
ROLES = {ADMIN: "administrateur·rice", CHARGE: "chargé·e de mission", PARTNER: "partenaire"}
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
FREE_ATTEMPTS = 3  # failed logins before the slowdown starts
MAX_DELAY = timedelta(minutes=15)


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # the central extra: imported where needed only

    return PasswordHasher()


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    login: str = ""
    role: str = ""
    message: str = ""
    wait_seconds: int = 0


@dataclass(frozen=True)
class NewAccount:
    login: str
    role: str


@dataclass(frozen=True)
class Account:
    """A staff account (``conseiller-central users list``)."""

    login: str
    role: str
    role_label: str
    active: bool
    last_login_at: datetime | None


@dataclass(frozen=True)
class CurrentUser:
    """The account behind a console session (re-read on every request)."""

    login: str
    role: str
    role_label: str


@dataclass(frozen=True)
class JournalEntry:
    """One staff action of the journal."""

    id: int
    at: datetime
    login: str
    action: str
    target: str | None
    detail: str


def _check_login(login: str) -> str:
    login = (login or "").strip().lower()
    if not LOGIN_RE.match(login):
        raise ValidationError("login", "2 à 60 caractères : lettres minuscules, chiffres, point, tiret, souligné.",
                              "Identifiant")
    return login


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError("role", f"rôle inconnu : choisissez parmi {', '.join(ROLES)}.", "Rôle")
    return role


def add_user(central: Central, login: str, role: str, password: str, *, by: str = "ligne de commande") -> NewAccount:
    login, role = _check_login(login), _check_role(role)
    check_passphrase(password, [login])
    ut = StaffUser.__table__
    with central.db.write() as conn:
        if conn.execute(select(ut.c.login).where(ut.c.login == login)).first() is not None:
            raise UsageError(f"Le compte « {login} » existe déjà : rien n'a été modifié.")
        conn.execute(ut.insert().values(login=login, role=role, password_hash=_hasher().hash(password), active=True,
                                        created_at=central.now(), failed_logins=0))
        journal(conn, central, by, "compte_cree", login, f"rôle {role}")
    return NewAccount(login=login, role=role)


def set_password(central: Central, login: str, password: str, *, by: str = "ligne de commande") -> None:
    login = _check_login(login)
    check_passphrase(password, [login])
    ut = StaffUser.__table__
    with central.db.write() as conn:
        if conn.execute(select(ut.c.login).where(ut.c.login == login)).first() is None:
            raise NotFound(f"Aucun compte « {login} ».")
        conn.execute(ut.update().where(ut.c.login == login).values(password_hash=_hasher().hash(password),
                                                                   failed_logins=0, blocked_until=None))
        _end_sessions(conn, login)
        journal(conn, central, by, "mot_de_passe_change", login)


def disable(central: Central, login: str, *, by: str = "ligne de commande") -> None:
    login = _check_login(login)
    ut = StaffUser.__table__
    with central.db.write() as conn:
        if conn.execute(select(ut.c.login).where(ut.c.login == login)).first() is None:
            raise NotFound(f"Aucun compte « {login} ».")
        conn.execute(ut.update().where(ut.c.login == login).values(active=False))
        _end_sessions(conn, login)
        journal(conn, central, by, "compte_desactive", login)


def list_users(central: Central) -> list[Account]:
    ut = StaffUser.__table__
    with central.db.read() as conn:
        return [Account(login=r.login, role=r.role, role_label=ROLES.get(r.role, r.role), active=bool(r.active),
                        last_login_at=r.last_login_at)
                for r in conn.execute(select(ut).order_by(ut.c.login))]


def _end_sessions(conn: Connection, login: str) -> None:
    """Sessions carry the login inside their (JSON) value: end every session of this account."""
    st = StaffSession.__table__
    needle = f'"login":"{login}"'.encode()
    for key, value in conn.execute(select(st.c.key, st.c.value)).all():
        if needle in bytes(value).replace(b" ", b""):
            conn.execute(st.delete().where(st.c.key == key))


def delay_after(failures: int) -> timedelta:
    """Waiting time imposed after ``failures`` consecutive failed logins: none after the first
    two, 2 s after the third, then 4, 8… seconds, at most 15 minutes."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(MAX_DELAY, timedelta(seconds=2 ** (failures - FREE_ATTEMPTS + 1)))


def authenticate(central: Central, login: str, password: str) -> LoginResult:
    """Check a login and password. During a slowdown the password is not even checked. The
    message never says whether the account exists."""
    bad = LoginResult(False, message="Identifiant ou mot de passe incorrect.")
    login = (login or "").strip().lower()
    if not LOGIN_RE.match(login) or not password:
        return bad
    ut = StaffUser.__table__
    now = central.now()
    with central.db.read() as conn:
        user = conn.execute(select(ut).where(ut.c.login == login)).mappings().first()
    if user is None:
        _hasher().hash(password)  # the same time as a wrong password: no account enumeration by timing
        return bad
    if user["blocked_until"] is not None and user["blocked_until"] > now:
        wait = int((user["blocked_until"] - now).total_seconds()) + 1
        return LoginResult(False, message=f"Trop de tentatives échouées : réessayez dans {wait} secondes.",
                           wait_seconds=wait)
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        _hasher().verify(user["password_hash"], password)
        good = bool(user["active"])
    except (VerificationError, InvalidHashError):
        good = False
    with central.db.write() as conn:
        if not good:
            failures = user["failed_logins"] + 1
            delay = delay_after(failures)
            conn.execute(ut.update().where(ut.c.login == login).values(
                failed_logins=failures, blocked_until=(now + delay) if delay else None))
            journal(conn, central, login, "connexion_refusee", None, f"échec n°{failures}")
            return bad
        values: dict[str, Any] = {"failed_logins": 0, "blocked_until": None, "last_login_at": now}
        if _hasher().check_needs_rehash(user["password_hash"]):
            values["password_hash"] = _hasher().hash(password)
        conn.execute(ut.update().where(ut.c.login == login).values(**values))
        journal(conn, central, login, "connexion", None)
    return LoginResult(True, login=login, role=user["role"])


def current_user(central: Central, login: str) -> CurrentUser | None:
    """The account behind a session, if it still exists and is active."""
    ut = StaffUser.__table__
    with central.db.read() as conn:
        row = conn.execute(select(ut.c.login, ut.c.role, ut.c.active).where(ut.c.login == login)).first()
    if row is None or not row.active:
        return None
    return CurrentUser(login=row.login, role=row.role, role_label=ROLES.get(row.role, row.role))


def journal(conn: Connection, central: Central, login: str, action: str, target: str | None, detail: str = "") -> None:
    conn.execute(StaffJournal.__table__.insert().values(at=central.now(), login=login[:60], action=action[:40],
                                                        target=(target or None) and target[:100], detail=detail))


def record(central: Central, login: str, action: str, target: str | None, detail: str = "") -> None:
    with central.db.write() as conn:
        journal(conn, central, login, action, target, detail)


def journal_entries(central: Central, limit: int = 200) -> list[JournalEntry]:
    jt = StaffJournal.__table__
    with central.db.read() as conn:
        return [JournalEntry(id=r.id, at=r.at, login=r.login, action=r.action, target=r.target, detail=r.detail or "")
                for r in conn.execute(select(jt).order_by(jt.c.id.desc()).limit(limit))]

"""Editing the reference data from the console: the agency directory and the commune →
territory corrections make a new reference release; the shared sessions calendar gets a version
made by the central office (it wins like a conflict resolution and travels with the next
publication)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from conseiller_app.central import merge, reference
from conseiller_app.central.models import CENTRAL, Node, Record
from conseiller_app.domain.errors import NotFound, ValidationError
from conseiller_app.domain.reference import ReferenceData
from conseiller_app.sync import refdata
from conseiller_app.sync.format import hashed_snapshot

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

AGENCY_FIELDS = {"name": ("Nom", 120), "network": ("Réseau", 120), "address": ("Adresse", 200),
                 "contact": ("Contact", 80)}
SESSION_FIELDS = {"title": ("Intitulé", 200), "place": ("Lieu", 200)}


@dataclass(frozen=True)
class SharedSession:
    """A session of the shared calendar, as the console edits it."""

    id: str
    title: str
    place: str | None
    start_date: str  # ISO, as in the record's snapshot
    end_date: str
    capacity: int | None


@dataclass(frozen=True)
class SessionEdit:
    id: str
    changed: bool
    version: int | None = None  # the new version, when changed


def current(central: Central) -> tuple[int, ReferenceData]:
    with central.db.read() as conn:
        latest = reference.latest(conn)
    return latest.version, refdata.from_json(latest.data)


def _text(form: Mapping[str, Any], key: str, label: str, limit: int, required: bool = False) -> str:
    value = " ".join(str(form.get(key) or "").split())
    if required and not value:
        raise ValidationError(key, "ce champ est obligatoire.", label)
    if len(value) > limit:
        raise ValidationError(key, f"{limit} caractères au plus.", label)
    return value


def save_agency(central: Central, form: Mapping[str, Any], agency_id: str | None = None) -> tuple[int, bool]:
    """Add (``agency_id`` None) or change an agency; a new reference release."""
    _, data = current(central)
    values: dict[str, Any] = {k: _text(form, k, label, limit, required=(k == "name"))
                              for k, (label, limit) in AGENCY_FIELDS.items()}
    commune = str(form.get("commune") or "").strip()
    if commune not in data.communes:
        raise ValidationError("commune", "code INSEE inconnu dans le Pas-de-Calais.", "Commune")
    values["commune"] = commune
    values["territory"] = data.communes[commune].territory
    trades = [t for t in str(form.get("trades") or "").replace(",", " ").split() if t]
    known = {t["code"] if isinstance(t, dict) else t for t in data.trades}
    unknown = [t for t in trades if t not in known]
    if unknown:
        raise ValidationError("trades", f"métier(s) inconnu(s) : {', '.join(unknown)}.", "Métiers")
    values["trades"] = trades
    agencies = [dict(a) for a in data.agencies]
    if agency_id:
        found = [a for a in agencies if a["id"] == agency_id]
        if not found:
            raise NotFound("Agence introuvable dans le référentiel en vigueur.")
        found[0].update(values)
    else:
        agencies.append({"id": str(uuid.uuid4()), **values})
    return reference.add_release(central, replace(data, agencies=agencies), "console du siège : annuaire des agences")


def set_commune_territory(central: Central, insee: str, territory: str) -> tuple[int, bool]:
    _, data = current(central)
    insee = (insee or "").strip()
    if insee not in data.communes:
        raise ValidationError("insee", "code INSEE inconnu dans le Pas-de-Calais.", "Commune")
    if territory not in data.territories:
        raise ValidationError("territory", "territoire inconnu.", "Territoire")
    communes = dict(data.communes)
    communes[insee] = replace(communes[insee], territory=territory)
    return reference.add_release(central, replace(data, communes=communes),
                                 "console du siège : rattachement commune → territoire")


def sessions(central: Central) -> list[SharedSession]:
    """The shared sessions calendar, as consolidated (sessions in conflict are shown by the
    conflicts page)."""
    rt = Record.__table__
    with central.db.read() as conn:
        rows = conn.execute(select(rt.c.entity, rt.c.entity_id, rt.c.hash).where(
            rt.c.entity == "atelier_session", rt.c.deleted.is_(False), rt.c.in_conflict.is_(False))).all()
        data = merge.snapshots(conn, rows)
    out = [SharedSession(id=eid, title=str(snap.get("title") or ""), place=snap.get("place"),
                         start_date=str(snap.get("start_date") or ""), end_date=str(snap.get("end_date") or ""),
                         capacity=snap.get("capacity")) for (_, eid), snap in data.items()]
    return sorted(out, key=lambda s: (s.start_date, s.title))


def edit_session(central: Central, session_id: str, form: Mapping[str, Any]) -> SessionEdit:
    """A new version of a shared session made by the central office (title, place, dates,
    capacity), descending from the current one."""
    from datetime import date

    rt, nt = Record.__table__, Node.__table__
    with central.db.write() as conn:
        rec = conn.execute(select(rt).where(rt.c.entity == "atelier_session", rt.c.entity_id == session_id)).first()
        if rec is None or rec.deleted:
            raise NotFound("Session introuvable dans le calendrier partagé.")
        if rec.in_conflict:
            raise ValidationError("session", "cette session est en conflit : tranchez d'abord le conflit.", "Session")
        head = merge.snapshots(conn, [rec])[("atelier_session", session_id)]
        data = dict(head)
        for key, (label, limit) in SESSION_FIELDS.items():
            data[key] = _text(form, key, label, limit, required=(key == "title"))
        for key, label in (("start_date", "Début"), ("end_date", "Fin")):
            try:
                data[key] = date.fromisoformat(str(form.get(key) or "")).isoformat()
            except ValueError:
                raise ValidationError(key, "date attendue au format AAAA-MM-JJ.", label) from None
        if data["end_date"] < data["start_date"]:
            raise ValidationError("end_date", "la fin précède le début.", "Fin")
        try:
            capacity = int(str(form.get("capacity") or ""))
        except ValueError:
            capacity = -1
        if not 1 <= capacity <= 500:
            raise ValidationError("capacity", "un nombre de places entre 1 et 500.", "Places")
        data["capacity"] = capacity
        data["version"] = rec.version + 1
        h, text = hashed_snapshot("atelier_session", session_id, "update", data)
        if h == rec.hash:
            return SessionEdit(id=session_id, changed=False)
        now = central.now()
        conn.execute(nt.insert().values(entity="atelier_session", entity_id=session_id, hash=h, parent=rec.hash,
                                        merges=None, op="update", version=data["version"], deleted=False, data=text,
                                        device_id=CENTRAL, bundle_id=None, received_at=now, resolution_no=None))
        record_key = ("atelier_session", session_id)
        merge.refresh(conn, merge.load_nodes(conn, [record_key]), [record_key], now)
    return SessionEdit(id=session_id, changed=True, version=data["version"])

"""Strict checks of the manifests and payloads of format version 1 (both directions).

Everything read from a bundle goes through here before use: types, lengths, ranges, recomputed
hashes, counts matching the manifest. A failure is a :class:`BundleRejected`, never a crash.
"""

from __future__ import annotations

from typing import Any, cast

from conseiller_app.domain.text import terminal_safe
from conseiller_app.sync import crypto
from conseiller_app.sync.errors import BundleRejected
from conseiller_app.sync.format import (
    ENTITY_RE,
    GENESIS,
    OPS,
    CentralPayload,
    DevicePayload,
    Limits,
    RecordDoc,
    audit_hash,
    bad_payload,
    change_hash,
    hashed_snapshot,
    is_hex64,
    is_int,
    is_str,
    reject,
)


def _bad_manifest(field: str) -> BundleRejected:
    return reject("format", f"Paquet refusé : manifeste invalide (champ « {field} »).")


def _ints(d: Any, keys: tuple[str, ...], field: str) -> dict[str, Any]:
    if not isinstance(d, dict) or not all(is_int(d.get(k)) for k in keys):
        raise _bad_manifest(field)
    return d


# --- device -> central office -----------------------------------------------------------------


def check_device_manifest(m: dict[str, Any], limits: Limits) -> None:
    if not crypto.valid_public_signing_key(m.get("device_key")):
        raise _bad_manifest("device_key")
    if not crypto.valid_age_recipient(m.get("device_recipient")):
        raise _bad_manifest("device_recipient")
    if crypto.fingerprint(m["device_recipient"], m["device_key"]) != m["sender"]:
        raise _bad_manifest("sender")
    _ints(
        m.get("last_ack"), ("central_sequence", "changes", "audit", "bundle_sequence", "reference_version"), "last_ack"
    )
    r = _ints(m.get("range"), ("changes_from", "changes_to", "audit_from", "audit_to"), "range")
    if not (1 <= r["changes_from"] <= r["changes_to"] + 1 and 1 <= r["audit_from"] <= r["audit_to"] + 1):
        raise _bad_manifest("range")
    c = _ints(m.get("counts"), ("changes", "audit"), "counts")
    if c["changes"] > limits.max_changes or c["audit"] > limits.max_audit:
        raise reject("limits", f"Paquet refusé : trop d'éléments ({c['changes']} changements, {c['audit']} entrées "
                               f"d'audit ; maximum {limits.max_changes} et {limits.max_audit}).")


_AUDIT_TEXT = {"id": 36, "at": 40, "actor_id": 36, "action": 30, "entity": 30}
_AUDIT_OPTIONAL = {"entity_id": 36, "beneficiary_id": 36}


def check_device_payload(m: dict[str, Any], payload: Any) -> DevicePayload:
    """Validate a device's payload against its (signed) manifest; return it (typed: checked key by key)."""
    if not isinstance(payload, dict):
        raise bad_payload("document")
    dev = payload.get("device")
    if not (isinstance(dev, dict) and is_str(dev.get("name"), 120, 1) and is_str(dev.get("territory"), 40)
            and is_str(dev.get("office"), 120)):
        raise bad_payload("identité de l'appareil")
    # Hostile until proven otherwise: these are printed on the central office's terminal (and
    # shown in its console). Control, bidi-override and invisible characters are dropped here, at
    # the border, so that nothing stored or shown carries them.
    for key in ("name", "territory", "office"):
        dev[key] = terminal_safe(dev[key], keep_newlines=False).strip()
    if not dev["name"]:
        raise bad_payload("identité de l'appareil")
    changes, audit = payload.get("changes"), payload.get("audit")
    if not isinstance(changes, list) or not isinstance(audit, list):
        raise bad_payload("listes")
    if len(changes) != m["counts"]["changes"] or len(audit) != m["counts"]["audit"]:
        raise bad_payload("nombre d'éléments différent du manifeste")
    r = m["range"]
    last = r["changes_from"] - 1
    for c in changes:
        if not isinstance(c, dict):
            raise bad_payload("changement")
        get = c.get
        seq, entity, eid, op = get("seq"), get("entity"), get("id"), get("op")
        version, parent, h, data = get("version"), get("parent"), get("hash"), get("data")
        if not (is_int(seq) and last < seq <= r["changes_to"]):
            raise bad_payload("numéro de changement hors de l'intervalle annoncé")
        last = seq
        if not (isinstance(entity, str) and ENTITY_RE.match(entity) and is_str(eid, 36, 1) and op in OPS
                and is_int(version, 1) and (parent is None or is_hex64(parent)) and is_hex64(h)
                and isinstance(data, dict)):
            raise bad_payload("changement mal formé")
        if data.get("id") != eid or data.get("version") != version:
            raise bad_payload("instantané incohérent")
        computed, text = hashed_snapshot(entity, eid, str(op), data)
        if computed != h or parent == h:
            raise bad_payload("empreinte d'un changement")
        c["text"] = text  # kept by the central office as is (not part of the bundle)
    last = r["audit_from"] - 1
    prev = None
    for a in audit:
        if not isinstance(a, dict):
            raise bad_payload("entrée d'audit")
        seq = a.get("seq")
        if not (is_int(seq) and seq == last + 1 and seq <= r["audit_to"]):
            raise bad_payload("numérotation du journal d'audit")
        last = seq
        if not all(is_str(a.get(k), n) for k, n in _AUDIT_TEXT.items()):
            raise bad_payload("entrée d'audit mal formée")
        if not all(a.get(k) is None or is_str(a.get(k), n) for k, n in _AUDIT_OPTIONAL.items()):
            raise bad_payload("entrée d'audit mal formée")
        if not (isinstance(a.get("details"), dict) and is_hex64(a.get("prev_hash")) and is_hex64(a.get("hash"))):
            raise bad_payload("entrée d'audit mal formée")
        if prev is not None and a["prev_hash"] != prev:
            raise reject("audit_chain", "Paquet refusé : le journal d'audit de l'appareil est rompu (chaînage).")
        if a["hash"] != audit_hash(a["prev_hash"], a):
            raise reject("audit_chain", "Paquet refusé : une entrée du journal d'audit a été altérée.")
        if (seq == 1) != (a["prev_hash"] == GENESIS):
            raise reject("audit_chain", "Paquet refusé : le journal d'audit ne commence pas au bon endroit.")
        prev = a["hash"]
    if audit and last != r["audit_to"]:
        raise bad_payload("fin du journal d'audit différente du manifeste")
    return cast(DevicePayload, payload)


# --- central office -> device -----------------------------------------------------------------


def check_central_manifest(m: dict[str, Any], limits: Limits) -> None:
    if not is_int(m.get("reference_version"), 1):
        raise _bad_manifest("reference_version")
    _ints(m.get("ack"), ("changes", "audit", "bundle_sequence"), "ack")
    c = _ints(m.get("counts"), ("records",), "counts")
    if c["records"] > limits.max_records:
        raise reject("limits", "Paquet refusé : trop d'enregistrements.")


def check_record(r: Any) -> RecordDoc:
    if not isinstance(r, dict):
        raise bad_payload("enregistrement")
    entity, eid, op, version, h, data = (r.get(k) for k in ("entity", "id", "op", "version", "hash", "data"))
    if not (isinstance(entity, str) and ENTITY_RE.match(entity) and is_str(eid, 36, 1) and op in OPS
            and is_int(version, 1) and is_hex64(h) and isinstance(data, dict)):
        raise bad_payload("enregistrement mal formé")
    if data.get("id") != eid or data.get("version") != version or change_hash(entity, eid, str(op), data) != h:
        raise bad_payload("empreinte d'un enregistrement")
    return cast(RecordDoc, r)


_REF_LISTS = ("chantiers", "trades", "schemes", "offers", "agencies")


def check_central_payload(m: dict[str, Any], payload: Any) -> CentralPayload:
    if not isinstance(payload, dict):
        raise bad_payload("document")
    records = payload.get("records")
    if not isinstance(records, list) or len(records) != m["counts"]["records"]:
        raise bad_payload("enregistrements")
    for r in records:
        check_record(r)
    ref = payload.get("reference")
    if not isinstance(ref, dict) or ref.get("version") != m["reference_version"]:
        raise bad_payload("données de référence")
    if not (isinstance(ref.get("label"), str) and isinstance(ref.get("territories"), dict)
            and isinstance(ref.get("communes"), list) and all(isinstance(ref.get(k), list) for k in _REF_LISTS)):
        raise bad_payload("données de référence")
    for c in ref["communes"]:
        if not (isinstance(c, dict) and is_str(c.get("insee"), 5, 5) and isinstance(c.get("name"), str)
                and isinstance(c.get("postal_codes"), list) and is_int(c.get("population"))
                and isinstance(c.get("epci"), str) and c.get("territory") in ref["territories"]):
            raise bad_payload("commune")
    for k in _REF_LISTS:
        if not all(isinstance(x, dict) for x in ref[k]):
            raise bad_payload("données de référence")
    envelopes = ref.get("aktiv_envelopes", [])  # optional: older central offices do not send it
    if not (isinstance(envelopes, list) and all(
            isinstance(e, dict) and is_int(e.get("year"), 2000) and is_int(e.get("amount_cents"))
            for e in envelopes) and len({e["year"] for e in envelopes}) == len(envelopes)):
        raise bad_payload("enveloppe AKTIV compétences")
    return cast(CentralPayload, payload)

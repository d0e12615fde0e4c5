"""``conseiller-central``: the central office's command line (no Qt).

Exit codes as for ``conseiller``: 0 success, 2 usage, 4 invalid input, 5 a bundle refused (or
put in quarantine) or an integrity problem, 1 anything unexpected. The database is a SQLite file
by default, PostgreSQL with ``--db postgresql+psycopg://user@host/base``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conseiller_app import __version__
from conseiller_app.cli.common import ask_secret, err, install, out, print_json, read_secret_file, run
from conseiller_app.domain.errors import UsageError

if TYPE_CHECKING:
    from conseiller_app.central.exports import Issued
    from conseiller_app.central.service import Central
    from conseiller_app.domain.consolidation import Consolidation
    from conseiller_app.domain.indicators import Filters

log = logging.getLogger("conseiller_app.central")
DB_ENV, KEYS_ENV = "CONSEILLER_CENTRAL_DB", "CONSEILLER_CENTRAL_KEYS"
DEFAULT_DB, DEFAULT_KEYS = "siege.db", "cles-siege"
TRAINING_LABEL = "Siège de formation (données fictives)"


def _when(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else "—"


def _key_passphrase(args: argparse.Namespace, *, confirm: bool = False, required: bool = False) -> str | None:
    """The central keys' passphrase: --key-passphrase-file, else the environment variable, else a
    masked prompt when the keys are protected (or ``required``) and a terminal is there."""
    from conseiller_app.central.keys import KEY_PASSPHRASE_ENV, KeysLocked, keys_protected

    if args.key_passphrase_file:
        return read_secret_file(args.key_passphrase_file)
    if os.environ.get(KEY_PASSPHRASE_ENV):
        return os.environ[KEY_PASSPHRASE_ENV]
    if not (required or keys_protected(Path(args.keys))):
        return None
    if not sys.stdin or not sys.stdin.isatty():
        raise KeysLocked()
    return ask_secret("Phrase de passe des clés du siège : ", confirm=confirm)


def _open(args: argparse.Namespace, *, keys: bool = False) -> Central:
    from conseiller_app.central.service import open_central

    if not keys:
        return open_central(args.db)
    return open_central(args.db, Path(args.keys), key_passphrase=_key_passphrase(args))


# --- commands ---------------------------------------------------------------------------------


def cmd_keys_protect(args: argparse.Namespace) -> int:
    from conseiller_app.central.keys import keys_protected, protect_keys
    from conseiller_app.central.service import open_central

    folder = Path(args.keys)
    old = _key_passphrase(args) if keys_protected(folder) else None
    central = open_central(args.db, folder, key_passphrase=old)  # proves the keys are this base's
    try:
        name = central.name
    finally:
        central.close()
    if args.new_passphrase_file:
        new = read_secret_file(args.new_passphrase_file)
    else:
        if not sys.stdin or not sys.stdin.isatty():
            raise UsageError("Nouvelle phrase de passe manquante : utilisez --new-passphrase-file.")
        new = ask_secret("Nouvelle phrase de passe des clés du siège : ", confirm=True)
    protect_keys(folder, name, new, old)
    out("Clés du siège chiffrées par la nouvelle phrase de passe. Gardez-la en lieu sûr : sans elle, "
         "les paquets des conseillers ne peuvent plus être ouverts.")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from conseiller_app.central.service import DEFAULT_NAME, DEMO_NAME, enrollment_path, init

    key_passphrase = (_key_passphrase(args, confirm=True, required=True) if args.protect_keys
                      else _key_passphrase(args))
    name = args.name or (DEMO_NAME if args.demo else DEFAULT_NAME)
    central = init(args.db, Path(args.keys), name, existing_keys=args.existing_keys,
                   key_passphrase=key_passphrase, demo=args.demo)
    try:
        if args.url or args.ca_file:
            from conseiller_app.central.service import set_service_address

            set_service_address(Path(args.keys), args.url, Path(args.ca_file) if args.ca_file else None)
        from conseiller_app.sync.crypto import display_fingerprint

        out(f"Siège initialisé : {central.name}")
        if central.demo:
            out(f"{TRAINING_LABEL} : il n'accepte que les paquets des coffres de démonstration.")
        out(f"Base de données : {central.db.url.split('://')[0]}")
        for warning in central.db.exposure():
            err(f"ATTENTION : {warning}")
        protected = " (chiffrées par la phrase de passe des clés)" if key_passphrase else (
            " — non chiffrées : protégez-les avec « conseiller-central keys protect »")
        out(f"Clés secrètes : {Path(args.keys).resolve()} (à sauvegarder){protected}")
        out(f"Fichier d'inscription pour les appareils : {enrollment_path(Path(args.keys)).resolve()}")
        out(f"Empreinte du siège (à lire aux conseillers) : {display_fingerprint(central.fingerprint)}")
    finally:
        central.close()
    return 0


def cmd_devices_list(args: argparse.Namespace) -> int:
    from conseiller_app.central import devices

    central = _open(args)
    try:
        rows = devices.list_devices(central)
    finally:
        central.close()
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        out("Aucun appareil connu.")
    for d in rows:
        out(f"{d.id}  {d.status_label:<25} {d.name} ({d.territory})")
        out(f"    empreinte {d.fingerprint} — {d.bundles_ingested} paquet(s) intégré(s), "
             f"{d.bundles_quarantined} en quarantaine, dernier vu {_when(d.last_seen_at)}")
    return 0


def cmd_devices_approve(args: argparse.Namespace) -> int:
    from conseiller_app.central import devices

    central = _open(args, keys=True)
    try:
        result = devices.approve(central, args.device)
    finally:
        central.close()
    if args.json:
        print_json(result)
        return 5 if result.errors else 0
    d = result.device
    out(f"Appareil approuvé : {d.name} ({d.territory}{', ' + d.office if d.office else ''})")
    out(f"Empreinte de sa clé : {d.fingerprint} (elle doit être celle que le conseiller vous a lue)")
    for r in result.ingested:
        out(r.message)
    for e in result.errors:
        err(f"Paquet {e.bundle_id} : {e.message}")
    return 5 if result.errors else 0


def cmd_devices_revoke(args: argparse.Namespace) -> int:
    from conseiller_app.central import devices

    central = _open(args)
    try:
        result = devices.revoke(central, args.device)
    finally:
        central.close()
    if args.json:
        print_json(result)
        return 0
    d = result.device
    out(f"Appareil révoqué : {d.name} ({d.id}). Ses prochains paquets seront refusés ; les données déjà "
         "reçues sont conservées.")
    if result.quarantine_dropped:
        out(f"{result.quarantine_dropped} paquet(s) en quarantaine supprimé(s).")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from conseiller_app.central.ingest import ingest_file
    from conseiller_app.sync.errors import BundleRejected

    central = _open(args, keys=True)
    results, code = [], 0
    try:
        for f in args.files:
            try:
                r = ingest_file(central, Path(f))
                results.append({"file": f, **r.as_dict()})
                if r.status == "quarantaine":
                    code = 5
                if not args.json:
                    out(f"{Path(f).name} : {r.message}")
            except BundleRejected as exc:
                code = 5
                results.append({"file": f, "status": "refuse", "reason": exc.reason, "message": exc.message})
                if not args.json:
                    err(f"{Path(f).name} : {exc.message}")
    finally:
        central.close()
    if args.json:
        print_json(results)
    return code


def cmd_conflicts_list(args: argparse.Namespace) -> int:
    from conseiller_app.central import conflicts

    central = _open(args)
    try:
        rows = conflicts.list_conflicts(central, include_resolved=args.all)
    finally:
        central.close()
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        out("Aucun conflit ouvert." if not args.all else "Aucun conflit.")
    for c in rows:
        state = "ouvert" if c.status == "ouvert" else f"résolu par {c.resolved_by} le {_when(c.resolved_at)}"
        out(f"Conflit n°{c.id} — {c.entity} {c.entity_id} ({state}), depuis le {_when(c.opened_at)}")
        for v in c.versions:
            out(f"  {v.letter} : version {v.version} de {v.device_name}, modifiée le {v.updated_at or '—'}"
                 + (" (suppression)" if v.op == "delete" else ""))
            for field in c.differing_fields:
                out(f"      {field} = {json.dumps(v.data.get(field), ensure_ascii=False)}")
        if c.status == "ouvert":
            out(f"  Pour trancher : conseiller-central conflicts resolve {c.id} --keep "
                 + "|".join(v.letter for v in c.versions))
    return 0


def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    from conseiller_app.central import conflicts

    central = _open(args)
    try:
        r = conflicts.resolve(central, args.id, args.keep)
    finally:
        central.close()
    if args.json:
        print_json(r)
        return 0
    out(f"Conflit n°{r.id} résolu : la version {r.kept} ({r.kept_device}) est gardée. Elle partira vers les "
         "appareils concernés à la prochaine publication.")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from conseiller_app.central.publish import publish

    central = _open(args, keys=True)
    try:
        made = publish(central, Path(args.out), args.device or None)
    finally:
        central.close()
    if args.json:
        print_json(made)
        return 0
    if not made:
        out("Aucun appareil approuvé : rien à publier.")
    for p in made:
        out(f"{Path(p.file or '').name} : {p.name} — référentiel v{p.reference_version}, accusé jusqu'au "
             f"changement n°{p.ack['changes']}, {p.records} enregistrement(s)")
    return 0


def cmd_reference_load(args: argparse.Namespace) -> int:
    from conseiller_app.central import reference

    central = _open(args)
    try:
        version, created = reference.load_folder(central, Path(args.folder))
    finally:
        central.close()
    out(f"Référentiel version {version} créé." if created else
         f"Contenu identique au référentiel en vigueur (version {version}) : rien de nouveau.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from conseiller_app.central.status import status

    central = _open(args)
    try:
        st = status(central)
    finally:
        central.close()
    for warning in st.warnings:  # loud, and apart from what scripts read on stdout
        err(f"ATTENTION : {warning}")
    if args.json:
        print_json(st)
        return 0
    out(f"{st.central.name} — empreinte {st.central.fingerprint}")
    if st.demo:
        out(f"{TRAINING_LABEL} : n'accepte que les paquets des coffres de démonstration.")
    out(f"Référentiel : version {st.reference_version}")
    out(f"Appareils : {len(st.devices)} — paquets intégrés : {st.bundles.ingested}, "
         f"en quarantaine : {st.bundles.quarantined}")
    for d in st.devices:
        out(f"  {d.name:<30} {d.status_label:<25} {d.bundles_ingested} paquet(s), dernier n°{d.last_sequence}")
    out("Enregistrements :")
    for kind, n in st.records.items():
        out(f"  {kind:<20} {n.active:>8} actifs, {n.deleted} supprimés")
    out(f"Conflits ouverts : {st.conflicts.open} (résolus : {st.conflicts.resolved})")
    if st.incidents:
        out(f"Incidents de sécurité notés : {st.incidents}")
    return 0


def cmd_enrollment(args: argparse.Namespace) -> int:
    from conseiller_app.central.service import open_central, set_service_address

    open_central(args.db).close()  # the database must be this central office's
    path = set_service_address(Path(args.keys), args.url, Path(args.ca_file) if args.ca_file else None)
    out(f"Fichier d'inscription réécrit : {path.resolve()}")
    out(f"Adresse du service : {args.url}" if args.url else "Sans adresse de service (échanges par fichiers seulement).")
    out("Les appareils déjà inscrits prennent l'adresse en important de nouveau ce fichier (« conseiller sync enroll »).")
    return 0


def _read_password(args: argparse.Namespace, prompt: str) -> str:
    if args.password_file:
        return read_secret_file(args.password_file)
    if not sys.stdin or not sys.stdin.isatty():
        raise UsageError("Mot de passe manquant : utilisez --password-file FICHIER (ou lancez depuis un terminal).")
    return ask_secret(prompt, confirm=True)


def cmd_users_add(args: argparse.Namespace) -> int:
    from conseiller_app.central import accounts

    central = _open(args)
    try:
        user = accounts.add_user(central, args.login, args.role, _read_password(args, "Mot de passe du compte : "))
    finally:
        central.close()
    out(f"Compte créé : {user.login} ({accounts.ROLES[user.role]}).")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    from conseiller_app.central import accounts

    central = _open(args)
    try:
        accounts.set_password(central, args.login, _read_password(args, "Nouveau mot de passe : "))
    finally:
        central.close()
    out(f"Mot de passe changé pour {args.login} ; ses sessions ouvertes sont fermées.")
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    from conseiller_app.central import accounts

    central = _open(args)
    try:
        accounts.disable(central, args.login)
    finally:
        central.close()
    out(f"Compte désactivé : {args.login} ; ses sessions ouvertes sont fermées.")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from conseiller_app.central import accounts

    central = _open(args)
    try:
        users = accounts.list_users(central)
    finally:
        central.close()
    if args.json:
        print_json(users)
        return 0
    if not users:
        out("Aucun compte.")
    for u in users:
        out(f"{u.login:<20} {u.role_label:<22} {'actif' if u.active else 'désactivé'}, dernière connexion "
             f"{_when(u.last_login_at)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from conseiller_app.central.web import serve

    return serve.run(args, _key_passphrase(args))


def cmd_indicators(args: argparse.Namespace) -> int:
    """The convention's indicators consolidated over every device (or one, --device)."""
    from conseiller_app.central import devices, indicators

    values = {"from": args.date_from, "to": args.date_to, "territory": args.territory, "public": args.public,
              "chantier": args.chantier}
    if args.stale_days < 1:
        raise UsageError("--stale-days : un nombre de jours d'au moins 1.")
    central = _open(args)
    try:
        filters = indicators.parse_filters(central, values)
        device_id = None
        if args.device:
            with central.db.read() as conn:
                device_id = devices.find_id(conn, args.device)
        result = indicators.consolidate(central, filters, device_id=device_id, stale_after_days=args.stale_days)
    finally:
        central.close()
    if args.json:
        print_json(result.to_json())
        return 0
    print_consolidation(result)
    return 0


def _comite_filters(args: argparse.Namespace, central: Central) -> tuple[Filters, str | None]:
    """Filters and device of ``bilan`` / ``export``, checked as for ``indicators``."""
    from conseiller_app.central import devices, indicators

    if args.stale_days < 1:
        raise UsageError("--stale-days : un nombre de jours d'au moins 1.")
    values = {"from": args.date_from, "to": args.date_to, "territory": args.territory, "public": args.public,
              "chantier": args.chantier}
    filters = indicators.parse_filters(central, values)
    device_id = None
    if args.device:
        with central.db.read() as conn:
            device_id = devices.find_id(conn, args.device)
    return filters, device_id


def _issued_json(issued: Issued) -> dict[str, Any]:
    return {"file": str(issued.path.resolve()) if issued.path else None, "file_name": issued.file_name,
            "size": len(issued.data), "sha256": issued.sha256, "journal_id": issued.journal_id,
            "filters": {**issued.consolidation.filters.to_json(), "device": issued.consolidation.device_id}}


def cmd_bilan(args: argparse.Namespace) -> int:
    """The comité de suivi's bilan (PDF), journaled under the OS user's name."""
    from conseiller_app.central import exports
    from conseiller_app.reports.bilan import default_file_name

    central = _open(args)
    try:
        filters, device_id = _comite_filters(args, central)
        today = central.now().date()
        c = exports.consolidation_for(central, filters, device_id, args.stale_days, today, None)
        out_path = Path(args.out) if args.out else Path(default_file_name(c))
        issued = exports.bilan(central, filters, who=exports.os_user(), source="cli", out=out_path, today=today,
                               consolidation=c)
    finally:
        central.close()
    if args.json:
        print_json(_issued_json(issued))
        return 0
    out(f"Bilan du comité de suivi écrit : {issued.path}")
    out(f"Journal des exports : ligne n° {issued.journal_id} (empreinte SHA-256 {issued.sha256[:16]}…)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """The partners' export (ODS, XLSX, or a ZIP of CSV files), journaled under the OS user's name."""
    from conseiller_app.central import exports
    from conseiller_app.reports import partner_export

    if args.out:
        partner_export.check_target(args.format, Path(args.out))
    central = _open(args)
    try:
        filters, device_id = _comite_filters(args, central)
        today = central.now().date()
        c = exports.consolidation_for(central, filters, device_id, args.stale_days, today, None)
        out_path = Path(args.out) if args.out else Path(partner_export.default_file_name(c, args.format))
        issued = exports.partner_export_file(central, filters, args.format, who=exports.os_user(), source="cli",
                                             out=out_path, today=today, consolidation=c)
    finally:
        central.close()
    if args.json:
        print_json(_issued_json(issued))
        return 0
    out(f"Export pour les partenaires écrit : {issued.path}")
    out(f"Journal des exports : ligne n° {issued.journal_id} (empreinte SHA-256 {issued.sha256[:16]}…)")
    return 0


def cmd_export_log(args: argparse.Namespace) -> int:
    """The journal of exports: every bilan and export that left the central office."""
    from conseiller_app.central import exports

    central = _open(args)
    try:
        rows = exports.journal(central, args.limit)
    finally:
        central.close()
    if args.json:
        print_json([{**asdict(r), "at": r.at.isoformat(timespec="seconds")} for r in rows])
        return 0
    if not rows:
        out("Aucun bilan ni export n'est encore sorti du siège.")
    for r in rows:
        f = r.filters
        scope = ", ".join(f"{k} {v}" for k, v in f.items() if v and k not in ("from", "to"))
        period = f"du {f.get('from') or '…'} au {f.get('to') or '…'}"
        out(f"{r.id:>5}  {_when(r.at)}  {exports.KINDS.get(r.kind, r.kind)} ({r.format}) "
            f"par {r.who} ({r.source}) — {period}{' — ' + scope if scope else ''} — {r.file_name}")
    return 0


def cmd_convention(args: argparse.Namespace) -> int:
    """Show (or set, with --signature) the convention's signature date: its years start there."""
    from conseiller_app.central import indicators

    central = _open(args)
    try:
        day = (indicators.set_signature_date(central, args.signature) if args.signature
               else indicators.signature_date(central))
        default = indicators.SIGNATURE_KEY not in central.meta
    finally:
        central.close()
    from conseiller_app.domain import indicators as I

    end = I.Filters.convention_year(day, I.CONVENTION_YEARS).end
    out(f"Convention signée le {day:%d/%m/%Y}" + (" (date par défaut : « --signature JJ/MM/AAAA » pour la "
                                                  "renseigner)" if default else "")
        + f" : ses quatre années courent jusqu'au {end:%d/%m/%Y}.")
    return 0


def print_consolidation(c: Consolidation) -> None:
    from conseiller_app.cli.indicators import print_report
    from conseiller_app.domain.facts import format_euros

    out("Indicateurs consolidés au siège" + (f" — appareil {c.device_id}" if c.device_id else " — tous les appareils"))
    print_report(c.report)
    territory = c.breakdowns.get("territory")
    if territory is not None:
        out("")
        out("Par territoire : dossiers repérés / sorties dynamiques / sorties comptées / FPETT")
        for row in territory.rows:
            r = row.report
            out(f"  {row.label:<24} {r.funnel[0].reached:>6} / {r.insertion_all.dynamic} / {r.insertion_all.counted}"
                f" / {format_euros(r.fpett_total)}")
    q = c.quality
    if q is not None:
        out("")
        out(f"Qualité des données (au {q.computed_on:%d/%m/%Y}) : {q.files} dossier(s) de {q.devices} appareil(s)")
        for note in q.notes:
            out(f"  - {note}")
        for d in q.stale_devices:
            last = f"le {d.last_sync:%d/%m/%Y}" if d.last_sync else "jamais"
            out(f"    {d.name} ({d.territory or '—'}) : dernier envoi {last}")


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    install()
    p = argparse.ArgumentParser(prog="conseiller-central",
                                description="Siège : réception des paquets des conseillers, conflits, publication.")
    p.add_argument("--version", action="version", version=f"conseiller-central {__version__}")
    p.add_argument("--db", default=os.environ.get(DB_ENV, DEFAULT_DB),
                   help=f"base de données : fichier SQLite ou postgresql+psycopg://… (défaut ${DB_ENV}, sinon {DEFAULT_DB})")
    p.add_argument("--keys", default=os.environ.get(KEYS_ENV, DEFAULT_KEYS),
                   help=f"dossier des clés du siège (défaut ${KEYS_ENV}, sinon {DEFAULT_KEYS})")
    p.add_argument("--key-passphrase-file", metavar="FICHIER",
                   help="phrase de passe des clés du siège quand elles sont protégées "
                        "(sinon $CONSEILLER_CENTRAL_KEY_PASSPHRASE, sinon saisie masquée)")
    sub = p.add_subparsers(dest="command", metavar="COMMANDE", required=True)

    s = sub.add_parser("init", help="crée les clés, la base et le fichier d'inscription des appareils")
    s.add_argument("--name", help="nom du siège (par défaut : Mission Insertion par l'Emploi — Département du "
                                  "Pas-de-Calais ; avec --demo : Siège de formation (données fictives))")
    s.add_argument("--demo", action="store_true",
                   help="siège de formation : n'accepte que les paquets des coffres de démonstration (données "
                        "fictives), et un siège réel refuse ces paquets")
    s.add_argument("--existing-keys", action="store_true",
                   help="nouvelle base avec les clés existantes du dossier --keys (ex. passage à PostgreSQL)")
    s.add_argument("--protect-keys", action="store_true",
                   help="chiffre les clés secrètes par une phrase de passe (demandée à chaque commande)")
    s.add_argument("--url", help="adresse du service (https://…) écrite dans le fichier d'inscription")
    s.add_argument("--ca-file", metavar="FICHIER", help="certificat d'autorité (PEM) du service, joint au fichier "
                                                        "d'inscription quand il n'est pas d'une autorité publique")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("enrollment", help="réécrit le fichier d'inscription des appareils (adresse du service)")
    s.add_argument("--url", help="adresse du service (https://…) ; sans elle, le fichier n'en porte plus")
    s.add_argument("--ca-file", metavar="FICHIER", help="certificat d'autorité (PEM) du service")
    s.set_defaults(func=cmd_enrollment)

    s = sub.add_parser("serve", help="lance le service : API des appareils et console du siège")
    s.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut 127.0.0.1, derrière le proxy)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1, help="processus (plusieurs sur PostgreSQL ; un seul sur SQLite)")
    s.add_argument("--certfile", metavar="FICHIER", help="certificat TLS (sinon derrière un proxy inverse TLS)")
    s.add_argument("--keyfile", metavar="FICHIER", help="clé privée du certificat TLS")
    s.add_argument("--secure-cookies", action="store_true",
                   help="cookies « Secure » derrière un proxy TLS (automatique avec --certfile)")
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser("users", help="comptes de la console du siège").add_subparsers(dest="action", metavar="ACTION",
                                                                                     required=True)
    s = u.add_parser("add", help="crée un compte")
    s.add_argument("login", metavar="IDENTIFIANT")
    s.add_argument("--role", required=True, choices=["administrateur", "charge_mission", "partenaire"])
    s.add_argument("--password-file", metavar="FICHIER", help="mot de passe (sinon saisie masquée, deux fois)")
    s.set_defaults(func=cmd_users_add)
    s = u.add_parser("passwd", help="change le mot de passe d'un compte")
    s.add_argument("login", metavar="IDENTIFIANT")
    s.add_argument("--password-file", metavar="FICHIER")
    s.set_defaults(func=cmd_users_passwd)
    s = u.add_parser("disable", help="désactive un compte (ses sessions sont fermées)")
    s.add_argument("login", metavar="IDENTIFIANT")
    s.set_defaults(func=cmd_users_disable)
    s = u.add_parser("list", help="liste les comptes")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_users_list)

    k = sub.add_parser("keys", help="clés du siège").add_subparsers(dest="action", metavar="ACTION", required=True)
    s = k.add_parser("protect", help="chiffre les clés secrètes par une phrase de passe (ou la change)")
    s.add_argument("--new-passphrase-file", metavar="FICHIER",
                   help="nouvelle phrase de passe (sinon saisie masquée, deux fois)")
    s.set_defaults(func=cmd_keys_protect)

    d = sub.add_parser("devices", help="appareils des conseillers").add_subparsers(dest="action", metavar="ACTION", required=True)
    s = d.add_parser("list", help="liste les appareils")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_devices_list)
    s = d.add_parser("approve", help="approuve un appareil et intègre ses paquets en quarantaine")
    s.add_argument("device", metavar="APPAREIL")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_devices_approve)
    s = d.add_parser("revoke", help="révoque un appareil (ses paquets seront refusés)")
    s.add_argument("device", metavar="APPAREIL")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_devices_revoke)

    s = sub.add_parser("ingest", help="intègre des paquets d'appareils")
    s.add_argument("files", nargs="+", metavar="FICHIER")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_ingest)

    c = sub.add_parser("conflicts", help="conflits entre versions d'un même enregistrement").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    s = c.add_parser("list", help="liste les conflits ouverts")
    s.add_argument("--all", action="store_true", help="y compris les conflits résolus")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_conflicts_list)
    s = c.add_parser("resolve", help="garde une des versions")
    s.add_argument("id", type=int, metavar="ID")
    s.add_argument("--keep", required=True, metavar="A|B", help="lettre de la version à garder")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_conflicts_resolve)

    s = sub.add_parser("publish", help="écrit un paquet signé pour chaque appareil approuvé")
    s.add_argument("--out", required=True, metavar="DOSSIER")
    s.add_argument("--device", action="append", metavar="APPAREIL", help="seulement cet appareil (répétable)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_publish)

    r = sub.add_parser("reference", help="données de référence").add_subparsers(dest="action", metavar="ACTION", required=True)
    s = r.add_parser("load", help="charge un référentiel (reference.json + communes-62.csv) ; nouvelle version si différent")
    s.add_argument("folder", metavar="DOSSIER")
    s.set_defaults(func=cmd_reference_load)

    s = sub.add_parser("status", help="état du siège")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("indicators", help="indicateurs de la convention consolidés (article 5-1)",
                       description="Indicateurs de la convention consolidés sur les données de tous les appareils "
                                   "(mêmes définitions et mêmes clés JSON que « conseiller indicators »).")
    s.add_argument("--from", dest="date_from", metavar="DATE", help="début de la période (JJ/MM/AAAA)")
    s.add_argument("--to", dest="date_to", metavar="DATE", help="fin de la période (JJ/MM/AAAA)")
    s.add_argument("--territory", metavar="T", help="territoire (code ou nom, ex. arrageois)")
    s.add_argument("--public", metavar="P", help="public : rsa, jeune, iae, autre")
    s.add_argument("--chantier", metavar="C", help="chantier : csne, erbm, autre")
    s.add_argument("--device", metavar="APPAREIL", help="seulement les dossiers de cet appareil (identifiant)")
    s.add_argument("--stale-days", type=int, default=30, metavar="N",
                   help="un appareil sans envoi depuis plus de N jours est signalé (défaut 30)")
    s.add_argument("--json", action="store_true",
                   help="sortie JSON (clés de « conseiller indicators » + breakdowns, trend, data_quality)")
    s.set_defaults(func=cmd_indicators)

    s = sub.add_parser("convention", help="date de signature de la convention (départ de ses quatre années)")
    s.add_argument("--signature", metavar="DATE", help="enregistre la date de signature (JJ/MM/AAAA)")
    s.set_defaults(func=cmd_convention)

    def comite_filters(s: argparse.ArgumentParser) -> None:
        s.add_argument("--from", dest="date_from", metavar="DATE", help="début de la période (JJ/MM/AAAA)")
        s.add_argument("--to", dest="date_to", metavar="DATE", help="fin de la période (JJ/MM/AAAA)")
        s.add_argument("--territory", metavar="T", help="territoire (code ou nom, ex. arrageois)")
        s.add_argument("--public", metavar="P", help="public : rsa, jeune, iae, autre")
        s.add_argument("--chantier", metavar="C", help="chantier : csne, erbm, autre")
        s.add_argument("--device", metavar="APPAREIL", help="seulement les dossiers de cet appareil (identifiant)")
        s.add_argument("--stale-days", type=int, default=30, metavar="N",
                       help="un appareil sans envoi depuis plus de N jours est signalé (défaut 30)")
        s.add_argument("--json", action="store_true", help="résultat en JSON (fichier, empreinte, ligne du journal)")

    s = sub.add_parser("bilan", help="bilan du comité de suivi (PDF), inscrit au journal des exports",
                       description="Bilan du comité de suivi : indicateurs de l'article 5-1 consolidés, définitions, "
                                   "évolutions, répartition par territoire, financements, qualité des données. Les "
                                   "comptes de 1 à 4 sont affichés « < 5 ». Inscrit au journal des exports.")
    s.add_argument("--out", metavar="FICHIER.pdf",
                   help="fichier à écrire (défaut : bilan-comite_DEBUT_FIN.pdf dans le dossier courant)")
    comite_filters(s)
    s.set_defaults(func=cmd_bilan)

    s = sub.add_parser("export", help="export des indicateurs pour les partenaires (ods, xlsx, csv)",
                       description="Export pour les partenaires : une feuille par répartition, une feuille de "
                                   "synthèse et une de définitions ; comptes de 1 à 4 affichés « < 5 ». Le format "
                                   "csv produit une archive .zip (un fichier CSV par feuille). Inscrit au journal "
                                   "des exports.")
    s.add_argument("--format", required=True, choices=["ods", "xlsx", "csv"])
    s.add_argument("--out", metavar="FICHIER",
                   help="fichier à écrire : .ods, .xlsx ou .zip pour csv (défaut : "
                        "indicateurs-partenaires_DEBUT_FIN.<ext> dans le dossier courant)")
    comite_filters(s)
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("export-log", help="journal des exports : bilans et exports sortis du siège")
    s.add_argument("--limit", type=int, default=200, metavar="N", help="les N plus récents (défaut 200)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_export_log)
    return p


def _unexpected(exc: Exception) -> str:
    return f"Erreur inattendue ({type(exc).__name__}). Aucune donnée n'a été modifiée par l'opération en cours."


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(lambda: int(args.func(args)), log=log, context=f"conseiller-central {args.command}",
               unexpected=_unexpected)


if __name__ == "__main__":
    sys.exit(main())

"""``conseiller sync``: enroll with the central office, export a bundle, import one, status.

Exit 5 for a refused bundle, 2 for usage errors (mapped by ``common.run``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conseiller_app.cli.common import enrolled_json, out, print_json, sync_status_json, vault_context

if TYPE_CHECKING:
    from conseiller_app.sync.importer import ConfirmedBundle, ImportedBundle
    from conseiller_app.sync.network import Pulled


# --- JSON of the typed results: the keys the command has always printed ------------------------


def imported_json(result: ImportedBundle) -> dict[str, Any]:
    """``conseiller sync import --json``: an import's figures; only the first four keys and the
    message when the bundle had already been imported."""
    head: dict[str, Any] = {"status": result.status, "bundle_id": result.bundle_id, "sequence": result.sequence}
    if result.status != "importe":
        return {**head, "message": result.message}
    r = result.records
    return {**head, "reference_version": result.reference_version,
            "reference_installed": result.reference_installed,
            "acknowledged_changes": result.acknowledged_changes, "newly_acknowledged": result.newly_acknowledged,
            "bundles_confirmed": [{"sequence": b.sequence, "changes": b.changes, "audit": b.audit}
                                  for b in result.bundles_confirmed],
            "reference_label": result.reference_label,
            "records": {"applied": r.applied, "same": r.same, "local": r.local, "unknown": r.unknown,
                        "refused": r.refused}}


def pulled_json(result: Pulled) -> dict[str, Any]:
    """``conseiller sync pull --json``: the import's keys (or status and message), and when."""
    if result.imported is None:
        return {"status": result.status, "message": result.message, "at": result.at}
    return {**imported_json(result.imported), "at": result.at}


def _when(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") + " (UTC)" if value else "jamais"


def cmd_enroll(args: argparse.Namespace) -> int:
    from conseiller_app.sync import service

    info = service.read_enrollment(Path(args.file))
    if args.fingerprint and args.fingerprint.replace(" ", "").upper() != info.fingerprint.replace(" ", ""):
        from conseiller_app.sync.errors import EnrollmentRefused

        raise EnrollmentRefused("L'empreinte saisie ne correspond pas à celle du fichier d'inscription : "
                                "rien n'a été enregistré. Vérifiez le fichier auprès du siège.")
    with vault_context(args) as ctx:
        result = service.enroll(ctx, Path(args.file), replace=args.replace)
    if args.json:
        print_json(enrolled_json(result))
        return 0
    out(f"Siège : {result.name}")
    out(f"Empreinte du siège : {result.fingerprint}")
    out("Comparez cette empreinte avec celle que le siège vous lit au téléphone.")
    out("Clés du siège enregistrées dans le coffre." if result.changed else "Ces clés étaient déjà enregistrées.")
    out(f"Empreinte de cet appareil (à communiquer au siège) : {result.device_fingerprint}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from conseiller_app.sync import service

    with vault_context(args) as ctx:
        result = service.export(ctx, Path(args.out))
    if args.json:
        print_json(result)
        return 0
    out(f"Paquet n°{result.sequence} écrit : {result.path}")
    out(f"{result.changes} changement(s) et {result.audit} entrée(s) du journal d'audit depuis le dernier "
             "accusé de réception du siège.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from conseiller_app.sync import service

    with vault_context(args) as ctx:
        result = service.import_bundle(ctx, Path(args.file))
    if args.json:
        print_json(imported_json(result))
        return 0
    if result.status == "deja_importe":
        out(result.message)
        return 0
    r = result.records
    out(f"Paquet du siège n°{result.sequence} importé.")
    if result.reference_installed:
        out(f"Données de référence mises à jour (version {result.reference_version}).")
    out(_confirmation(result.bundles_confirmed))
    out(f"Enregistrements partagés : {r.applied} mis à jour, {r.same} déjà à jour, "
             f"{r.local} gardés (modifiés ici depuis, le siège les recevra).")
    if r.refused:
        out(f"{r.refused} enregistrement(s) incompatibles avec ce coffre ignorés.")
    return 0


def _confirmation(confirmed: Sequence[ConfirmedBundle]) -> str:
    """What the central office's acknowledgment confirms: the bundles the conseiller sent
    (« votre paquet n°3 (1 changement) »), not the journal rows pruned behind them."""
    if not confirmed:
        return "Accusé de réception : aucun nouveau paquet confirmé par le siège."
    numbers = ", ".join(f"n°{b.sequence}" for b in confirmed)
    changes = sum(b.changes for b in confirmed)
    return (f"Accusé de réception : le siège a bien reçu {'vos paquets' if len(confirmed) > 1 else 'votre paquet'} "
            f"{numbers} ({changes} changement{'s' if changes > 1 else ''}).")


def cmd_status(args: argparse.Namespace) -> int:
    from conseiller_app.sync import service

    with vault_context(args) as ctx:
        st = service.status(ctx, history_limit=args.history)
    if args.json:
        print_json(sync_status_json(st))
        return 0
    if st.demo:
        out("Coffre de démonstration (données fictives) : seul un siège de formation accepte ses paquets.")
    if st.enrolled:
        out(f"Siège : {st.central_name} (empreinte {st.central_fingerprint})")
    else:
        out("Pas encore inscrit auprès du siège (« conseiller sync enroll FICHIER »).")
    out(f"Appareil : {st.device_id} (empreinte {st.device_fingerprint})")
    out(f"Changements en attente d'envoi : {st.changes_waiting}")
    out(f"Dernier export : {_when(st.last_export_at)}")
    out(f"Dernier accusé de réception du siège : {_when(st.last_ack_at)}")
    out(f"Dernier import d'un paquet du siège : {_when(st.last_import_at)}")
    if st.ack_overdue:
        out(f"Attention : aucun accusé de réception du siège depuis {st.days_without_ack} jours alors que des "
            "changements attendent. Exportez un paquet et faites-le parvenir au siège.")
    for b in st.history:
        way = "envoyé " if b.direction == "out" else "reçu   "
        out(f"  {way} n°{b.sequence:<5} {_when(b.created_at)}  {b.changes:>6} élément(s)  {b.status_label}")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from conseiller_app.sync import network

    with vault_context(args) as ctx:
        result = network.push(ctx)
    if args.json:
        print_json(result)
        return 0
    out(f"Paquet n°{result.sequence} envoyé au siège ({result.changes} changement(s), {result.audit} "
        "entrée(s) du journal d'audit).")
    if result.message:
        out(f"Réponse du siège : {result.message}")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from conseiller_app.sync import network

    with vault_context(args) as ctx:
        result = network.pull(ctx)
    if args.json:
        print_json(pulled_json(result))
        return 0
    imported = result.imported
    if imported is not None and imported.status == "importe":
        out(f"Paquet du siège n°{imported.sequence} reçu et importé.")
        out(_confirmation(imported.bundles_confirmed))
        if imported.reference_installed:
            out(f"Données de référence mises à jour (version {imported.reference_version}).")
    else:
        out(result.message)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sync`` and its actions to the main parser's sub-commands."""
    p = subparsers.add_parser("sync", help="échanges avec le siège (paquets chiffrés et signés)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    s = actions.add_parser("enroll", help="enregistre les clés du siège (fichier d'inscription) dans le coffre")
    s.add_argument("file", metavar="FICHIER")
    s.add_argument("--fingerprint", help="empreinte lue par le siège, vérifiée avant d'enregistrer")
    s.add_argument("--replace", action="store_true", help="remplace les clés d'un siège déjà enregistré")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_enroll)

    s = actions.add_parser("export", help="écrit un paquet chiffré pour le siège (depuis le dernier accusé de réception)")
    s.add_argument("--out", required=True, metavar="DOSSIER")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_export)

    s = actions.add_parser("import", help="importe un paquet du siège (référentiels, accusés, arbitrages)")
    s.add_argument("file", metavar="FICHIER")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_import)

    s = actions.add_parser("push", help="envoie un paquet au siège par le réseau (sortie 6 : siège injoignable)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_push)

    s = actions.add_parser("pull", help="reçoit et importe le paquet du siège par le réseau (sortie 6 : injoignable)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_pull)

    s = actions.add_parser("status", help="état de la synchronisation et historique des paquets")
    s.add_argument("--history", type=int, default=20, help="nombre de paquets de l'historique affichés")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

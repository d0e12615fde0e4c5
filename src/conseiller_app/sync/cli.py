"""``conseiller sync``: enroll with the central office, export a bundle, import one, status.

Registered by ``conseiller_app.cli.build_parser``; the commands reuse its passphrase handling
and error reporting (exit 5 for a refused bundle, 2 for usage errors).
"""

from __future__ import annotations

from pathlib import Path


def _cli():
    from conseiller_app import cli  # the main CLI imports this module: resolve lazily

    return cli


def _when(value) -> str:
    return value.strftime("%d/%m/%Y %H:%M") + " (UTC)" if value else "jamais"


def cmd_enroll(args) -> int:
    from conseiller_app.sync import service

    cli = _cli()
    info = service.read_enrollment(Path(args.file))
    if args.fingerprint and args.fingerprint.replace(" ", "").upper() != info["fingerprint"].replace(" ", ""):
        from conseiller_app.sync.errors import EnrollmentRefused

        raise EnrollmentRefused("L'empreinte saisie ne correspond pas à celle du fichier d'inscription : "
                                "rien n'a été enregistré. Vérifiez le fichier auprès du siège.")
    ctx = cli.open_context(args)
    try:
        result = service.enroll(ctx, Path(args.file), replace=args.replace)
    finally:
        ctx.vault.close()
    if args.json:
        cli._json(result)
        return 0
    cli._out(f"Siège : {result['name']}")
    cli._out(f"Empreinte du siège : {result['fingerprint']}")
    cli._out("Comparez cette empreinte avec celle que le siège vous lit au téléphone.")
    cli._out("Clés du siège enregistrées dans le coffre." if result["changed"] else "Ces clés étaient déjà enregistrées.")
    cli._out(f"Empreinte de cet appareil (à communiquer au siège) : {result['device_fingerprint']}")
    return 0


def cmd_export(args) -> int:
    from conseiller_app.sync import service

    cli = _cli()
    ctx = cli.open_context(args)
    try:
        result = service.export(ctx, Path(args.out))
    finally:
        ctx.vault.close()
    if args.json:
        cli._json(result)
        return 0
    cli._out(f"Paquet n°{result['sequence']} écrit : {result['path']}")
    cli._out(f"{result['changes']} changement(s) et {result['audit']} entrée(s) du journal d'audit depuis le dernier "
             "accusé de réception du siège.")
    return 0


def cmd_import(args) -> int:
    from conseiller_app.sync import service

    cli = _cli()
    ctx = cli.open_context(args)
    try:
        result = service.import_bundle(ctx, Path(args.file))
    finally:
        ctx.vault.close()
    if args.json:
        cli._json(result)
        return 0
    if result["status"] == "deja_importe":
        cli._out(result["message"])
        return 0
    r = result["records"]
    cli._out(f"Paquet du siège n°{result['sequence']} importé.")
    if result["reference_installed"]:
        cli._out(f"Données de référence mises à jour (version {result['reference_version']}).")
    confirmed = result.get("bundles_confirmed") or []
    if confirmed:
        numbers = ", ".join(f"n°{b['sequence']}" for b in confirmed)
        changes = sum(b["changes"] for b in confirmed)
        cli._out(f"Accusé de réception : le siège a bien reçu {'vos paquets' if len(confirmed) > 1 else 'votre paquet'} "
                 f"{numbers} ({changes} changement{'s' if changes > 1 else ''}).")
    else:
        cli._out("Accusé de réception : aucun nouveau paquet confirmé par le siège.")
    cli._out(f"Enregistrements partagés : {r['applied']} mis à jour, {r['same']} déjà à jour, "
             f"{r['local']} gardés (modifiés ici depuis, le siège les recevra).")
    if r["refused"]:
        cli._out(f"{r['refused']} enregistrement(s) incompatibles avec ce coffre ignorés.")
    return 0


def cmd_status(args) -> int:
    from conseiller_app.sync import service

    cli = _cli()
    ctx = cli.open_context(args)
    try:
        st = service.status(ctx, history_limit=args.history)
    finally:
        ctx.vault.close()
    if args.json:
        cli._json(st)
        return 0
    if st["enrolled"]:
        cli._out(f"Siège : {st['central_name']} (empreinte {st['central_fingerprint']})")
    else:
        cli._out("Pas encore inscrit auprès du siège (« conseiller sync enroll FICHIER »).")
    cli._out(f"Appareil : {st['device_id']} (empreinte {st['device_fingerprint']})")
    cli._out(f"Changements en attente d'envoi : {st['changes_waiting']}")
    cli._out(f"Dernier export : {_when(st['last_export_at'])}")
    cli._out(f"Dernier accusé de réception du siège : {_when(st['last_ack_at'])}")
    cli._out(f"Dernier import d'un paquet du siège : {_when(st['last_import_at'])}")
    if st["ack_overdue"]:
        cli._out(f"Attention : aucun accusé de réception du siège depuis {st['days_without_ack']} jours alors que des "
                 "changements attendent. Exportez un paquet et faites-le parvenir au siège.")
    for b in st["history"]:
        way = "envoyé " if b["direction"] == "out" else "reçu   "
        cli._out(f"  {way} n°{b['sequence']:<5} {_when(b['created_at'])}  {b['changes']:>6} élément(s)  {b['status_label']}")
    return 0


def register(subparsers) -> None:
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

    s = actions.add_parser("status", help="état de la synchronisation et historique des paquets")
    s.add_argument("--history", type=int, default=20, help="nombre de paquets de l'historique affichés")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

"""``conseiller-central serve``: uvicorn running the application in one or several processes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from conseiller_app.domain.errors import UsageError


def run(args: argparse.Namespace, key_passphrase: str | None) -> int:
    import uvicorn

    from conseiller_app.central.keys import KEY_PASSPHRASE_ENV
    from conseiller_app.central.service import open_central
    from conseiller_app.central.web.app import DB_ENV, KEYS_ENV, SECURE_ENV, web_secret
    from conseiller_app.central.web.errors import LOG_CONFIG, install_hooks

    if bool(args.certfile) != bool(args.keyfile):
        raise UsageError("--certfile et --keyfile vont ensemble.")
    if args.workers < 1:
        raise UsageError("--workers : au moins 1.")
    # Open once here: a wrong database, keys or passphrase fails now with its French message,
    # the tables added for the service are created and the CSRF secret made, before any worker.
    central = open_central(args.db, Path(args.keys), key_passphrase=key_passphrase)
    try:
        if central.db.dialect == "sqlite" and args.workers > 1:
            raise UsageError("Sur une base SQLite, un seul processus (--workers 1) : plusieurs demandent PostgreSQL.")
        web_secret(central)
    finally:
        central.close()
    # The workers open the central office from the environment, as the command line would.
    os.environ[DB_ENV] = args.db
    os.environ[KEYS_ENV] = str(Path(args.keys).resolve())
    if key_passphrase:
        os.environ[KEY_PASSPHRASE_ENV] = key_passphrase
    os.environ[SECURE_ENV] = "1" if (args.certfile or args.secure_cookies) else "0"
    install_hooks()
    # Our logging (errors.LOG_CONFIG) in every process: tracebacks scrubbed to types and frames,
    # uvicorn's access log off (it writes query strings): the application's guard writes one.
    uvicorn.run("conseiller_app.central.web.app:create_app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers, ssl_certfile=args.certfile, ssl_keyfile=args.keyfile, access_log=False,
                log_config=LOG_CONFIG, proxy_headers=True, server_header=False, log_level="warning",
                timeout_graceful_shutdown=10)
    return 0

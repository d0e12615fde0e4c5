"""Allows ``python -m conseiller_app``."""

from conseiller_app.cli import main

raise SystemExit(main())

"""Entry point of the frozen desktop build (packaging/conseiller.spec): the `conseiller` command,
which opens the window when given no sub-command."""

import sys

from conseiller_app.cli import main

if __name__ == "__main__":
    sys.exit(main())

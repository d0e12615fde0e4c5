"""``python -m benchmarks [--files 60000] [--runs N] [--out results.json]``."""

from benchmarks.harness import main

raise SystemExit(main())

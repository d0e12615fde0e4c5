"""Performance measurements at département scale: ``python -m benchmarks`` (see README, Performances)."""

"""The central office's side: ingest bundles, conflicts, publish reference data."""

"""The central office (siège): receives the devices' bundles, consolidates them, resolves conflicts,
publishes reference data and acknowledgments back. Command line: ``conseiller-central``. No Qt."""

"""Device side of the sync with the central office: keys, signed and encrypted bundles."""

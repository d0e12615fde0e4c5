"""Synchronisation with the central office (siège): keys, the bundle format, the device's
export of its changes and its import of what the central office sends back. No Qt."""

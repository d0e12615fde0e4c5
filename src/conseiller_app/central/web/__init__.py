"""The central office's web service: the device API and the staff console (Litestar)."""

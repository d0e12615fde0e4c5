"""The PySide6 desktop application. The only package that imports Qt."""

from conseiller_app.ui.qt_compat import protect_none_refcount

protect_none_refcount()

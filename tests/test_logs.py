"""A bug is logged once, whoever reports it first (the worker thread, then the screen showing the
generic message), and the log line holds no exception message (it could quote personal data)."""

from __future__ import annotations

import logging

from conseiller_app.logs import log_bug


def test_a_bug_is_logged_once_and_without_its_message(caplog):
    log = logging.getLogger("conseiller_app.test")
    try:
        raise ValueError("Dupont Marie 0612345678")
    except ValueError as exc:
        bug = exc
    with caplog.at_level(logging.ERROR):
        log_bug(log, "Opération en échec", bug)  # the worker thread
        log_bug(log, "Erreur inattendue dans l'interface (enregistrement)", bug)  # the screen
        log_bug(log, "Autre opération", ValueError("x"))  # another bug is logged
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("Opération en échec : builtins.ValueError at ")
    assert "Dupont" not in " ".join(lines) and "0612345678" not in " ".join(lines)

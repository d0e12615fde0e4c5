"""Fixtures of the ui tests: a main window builder on a temporary data folder, and workers
(inline or threaded) on the test's vault. Helpers without state stay in the *_support modules."""

from __future__ import annotations

import pytest

from tests.ui.shell_helpers import Shell
from tests.ui.test_beneficiaries_support import PEOPLE, make_file


@pytest.fixture
def shell(qtbot, data_dir):
    s = Shell(qtbot, data_dir)
    yield s
    s.close_all()


@pytest.fixture
def sync_worker(ctx):
    """A worker running each operation inline, on the test's vault."""
    from conseiller_app.ui.worker import DbWorker

    worker = DbWorker(synchronous=True)
    worker.submit(lambda: worker.set_context(ctx), needs_vault=False)
    yield worker


@pytest.fixture
def threaded_worker(ctx):
    """A worker on its own thread, as in the application."""
    from conseiller_app.ui.worker import DbWorker

    worker = DbWorker()
    worker.submit(lambda: worker.set_context(ctx), needs_vault=False)
    yield worker
    worker.shutdown()


@pytest.fixture
def people(ctx) -> dict[str, str]:
    """Six files; returns last name → id."""
    return {p[0]: make_file(ctx, *p) for p in PEOPLE}

"""Demo data a new conseiller can try the day on: sessions in the coming weeks, none over its
capacity."""

from __future__ import annotations

from datetime import date

from conseiller_app.storage import demo
from conseiller_app.storage.services import Context, sessions


def test_demo_sessions_are_upcoming_too_and_never_overfull(vault):
    today = date(2026, 11, 28)
    demo.generate(vault, 300, seed=62, today=today)
    ctx = Context(vault, today=lambda: today)
    rows = sessions.list_sessions(ctx, date_from=date(2024, 1, 1))
    assert [r.title for r in rows if r.registered > r.capacity] == []
    upcoming = [r for r in rows if r.start_date > today]
    assert len(upcoming) >= 5 and all(r.start_time == "09:00" for r in upcoming)

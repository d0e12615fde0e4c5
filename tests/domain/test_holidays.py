"""French public holidays computed in the domain agree with the ``holidays`` package (sessions
are never dated before 2015)."""

from __future__ import annotations

import holidays
import pytest

from conseiller_app.domain.sessions import _holidays


@pytest.mark.parametrize("year", range(2008, 2061))
def test_same_days_and_names_as_the_holidays_package(year):
    assert _holidays(year) == dict(holidays.country_holidays("FR", years=year, language="fr"))

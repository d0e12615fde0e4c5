"""The lazy model of the referrals list (up to tens of thousands: ids first, rows by pages)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from conseiller_app.storage.services.referrals import ReferralRow
from conseiller_app.ui.referrals import operations as ops
from conseiller_app.ui.widgets.formatting import fr_date
from conseiller_app.ui.widgets.lazy_table import Column, LazyTableModel

NO_NEWS_BG = QColor("#fff1d6")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReferralListModel", text)


def status_text(row: ReferralRow) -> str:
    text = row.status_label
    if row.refusal_reason_label:
        text += f" ({row.refusal_reason_label.lower()})"
    return text


def waiting_text(row: ReferralRow) -> str:
    """Days since the last status; ⚠ when the agency owes news for 30 days or more."""
    text = _tr("{n} j").format(n=row.days_since)
    return f"⚠ {text}" if row.no_news else text


def waiting_tooltip(row: ReferralRow) -> str:
    if row.no_news:
        return _tr("Sans nouvelles de l'agence depuis {n} jours").format(n=row.days_since)
    return _tr("Statut inchangé depuis {n} jours").format(n=row.days_since)


CONSENT_MARKS = {"valid": "✓", "withdrawn": "⚠ retiré", "missing": "⚠ manquant"}


def columns() -> list[Column]:
    return [
        Column(_tr("Référence"), lambda r: r.reference),
        Column(_tr("Personne"), lambda r: r.name),
        Column(_tr("Statut"), status_text, tooltip=lambda r: r.result or status_text(r)),
        Column(_tr("Depuis le"), lambda r: fr_date(r.status_date)),
        Column(_tr("Délai"), waiting_text, tooltip=waiting_tooltip),
        Column(_tr("Dispositif"), lambda r: r.scheme_label),
        Column(_tr("Agence"), lambda r: r.agency, tooltip=lambda r: r.agency),
        Column(_tr("Consent."), lambda r: _tr(CONSENT_MARKS[r.consent_state]),
               tooltip=lambda r: r.consent_label),
    ]


def _background(row: ReferralRow) -> QColor | None:
    return NO_NEWS_BG if row.no_news else None


def referral_list_model(worker, parent=None, page_size: int = 100) -> LazyTableModel:
    return LazyTableModel(worker, columns(), ops.referral_ids, ops.referral_rows, page_size=page_size,
                          row_background=_background, parent=parent)

"""The lazy model of the referrals list (up to tens of thousands: ids first, rows by pages)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from conseiller_app.ui.referrals import operations as ops
from conseiller_app.ui.widgets.formatting import fr_date
from conseiller_app.ui.widgets.lazy_table import Column, LazyTableModel

NO_NEWS_BG = QColor("#fff1d6")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReferralListModel", text)


def status_text(row: dict) -> str:
    text = row["status_label"]
    if row.get("refusal_reason_label"):
        text += f" ({row['refusal_reason_label'].lower()})"
    return text


def waiting_text(row: dict) -> str:
    if row["no_news"]:
        return "⚠ " + _tr("{n} j sans nouvelles").format(n=row["days_since"])
    return _tr("{n} j").format(n=row["days_since"])


def columns() -> list[Column]:
    return [
        Column(_tr("Référence"), lambda r: r["reference"]),
        Column(_tr("Personne"), lambda r: r["name"]),
        Column(_tr("Agence"), lambda r: r["agency"], tooltip=lambda r: r["agency"]),
        Column(_tr("Dispositif"), lambda r: r["scheme_label"]),
        Column(_tr("Statut"), status_text, tooltip=lambda r: r.get("result") or None),
        Column(_tr("Depuis le"), lambda r: fr_date(r["status_date"])),
        Column(_tr("Délai"), waiting_text, align_right=True),
        Column(_tr("Consentement"), lambda r: r["consent_label"]),
    ]


def _background(row: dict) -> QColor | None:
    return NO_NEWS_BG if row.get("no_news") else None


def referral_list_model(worker, parent=None, page_size: int = 100) -> LazyTableModel:
    return LazyTableModel(worker, columns(), ops.referral_ids, ops.referral_rows, page_size=page_size,
                          row_background=_background, parent=parent)

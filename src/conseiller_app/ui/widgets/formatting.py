"""French display formats shared by the pages (dates, periods, counts)."""

from __future__ import annotations

from datetime import date

_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"]
_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def fr_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def fr_long_date(day: date) -> str:
    """« mardi 1er décembre 2026 »."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {first} {_MONTHS[day.month - 1]} {day.year}"


def fr_month(day: date) -> str:
    """« décembre 2026 »."""
    return f"{_MONTHS[day.month - 1]} {day.year}"


def fr_period(start: date, end: date | None) -> str:
    """« 07/12/2026 », « du 07/12 au 11/12/2026 » or « du 28/12/2026 au 08/01/2027 »."""
    if end is None or end == start:
        return fr_date(start)
    if end.year == start.year:  # « du 11/12 au 13/12/2026 »: fits a table column at 1024 px
        return f"du {start:%d/%m} au {fr_date(end)}"
    return f"du {fr_date(start)} au {fr_date(end)}"


def display_name(last_name: str | None, first_name: str | None) -> str:
    """« DUPONT Jean », the usual way files are titled in French social services."""
    return f"{(last_name or '').strip().upper()} {(first_name or '').strip()}".strip()


def plural(n: int, one: str, many: str) -> str:
    """« 1 place », « 3 places » (French: 0 takes the singular)."""
    return f"{n} {one if n <= 1 else many}"


def reference_label(version: str | None) -> str:
    """The reference data's version as the conseiller reads it: « 2026.1-livree » →
    « 2026.1 (livrée avec l'application) », « siege-3 » → « publication n°3 du siège ». The same
    words on Synchronisation and Paramètres."""
    if not version:
        return "inconnue"
    if version.endswith("-livree"):
        return version[: -len("-livree")] + " (livrée avec l'application)"
    if version.startswith("siege-") and version[6:].isdigit():
        return f"publication n°{int(version[6:])} du siège"
    return version


_NBSP, _NNBSP = "\u00a0", "\u202f"


def french_typography(text: str) -> str:
    """French spacing that never breaks a line in the wrong place: a no-break space before
    « : » and inside « », a narrow one before « ; ! ? » (rules of the Imprimerie nationale)."""
    if not text:
        return text
    import re

    text = re.sub(r" ([:])(?=\s|$|<)", _NBSP + r"\1", text)
    text = re.sub(r" ([;!?])(?=\s|$|<|»)", _NNBSP + r"\1", text)
    text = text.replace("« ", "«" + _NBSP).replace(" »", _NBSP + "»")
    return text

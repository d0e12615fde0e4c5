"""Field validation with French messages. Every failure raises ``ValidationError`` naming the
field; callers validate everything before writing anything."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal, overload

from conseiller_app.domain.errors import PassphraseTooWeak, ValidationError

MIN_PASSPHRASE_LENGTH = 12
MIN_ZXCVBN_SCORE = 3

_NAME_ALLOWED_PUNCT = set("'’- ")
# Letters (category Lo) that render as nothing: a name made of them looks empty.
_INVISIBLE_LETTERS = set("\u115f\u1160\u3164\uffa0")
MAX_MARKS_PER_LETTER = 3  # accents stacked on one letter (Vietnamese needs 2); « Zalgo » text beyond
# Free-text labels (a conseiller's office, « MDS d'Arras ») travel to the central office and are
# printed on its terminal: letters, digits, spaces and usual punctuation only.
_LABEL_ALLOWED_PUNCT = set("'’-.,()/&°+: ")


def clean_name(field: str, label: str, value: str | None) -> str:
    """Trimmed name of Unicode letters, with apostrophes, hyphens and single spaces."""
    text = unicodedata.normalize("NFC", (value or "")).strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        raise ValidationError(field, "ce champ est obligatoire.", label)
    if len(text) > 80:
        raise ValidationError(field, "80 caractères au plus.", label)
    marks = 0
    for ch in text:
        if ch in _NAME_ALLOWED_PUNCT:
            marks = 0
            continue
        cat = unicodedata.category(ch)
        if not (cat.startswith("L") or cat == "Mn") or ch in _INVISIBLE_LETTERS:
            raise ValidationError(
                field, "seules les lettres, les apostrophes, les traits d'union et les espaces sont acceptés.", label
            )
        marks = marks + 1 if cat == "Mn" else 0
        if marks > MAX_MARKS_PER_LETTER:
            raise ValidationError(field, "trop d'accents sur une même lettre.", label)
    if not any(unicodedata.category(c).startswith("L") for c in text):
        raise ValidationError(field, "doit contenir au moins une lettre.", label)
    if text[0] in "'’-" or text[-1] in "'’-":
        raise ValidationError(field, "ne peut pas commencer ni finir par une apostrophe ou un trait d'union.", label)
    return text


@overload
def parse_date(field: str, label: str, value: str | date | None, *, required: Literal[True] = ...) -> date: ...


@overload
def parse_date(field: str, label: str, value: str | date | None, *, required: bool) -> date | None: ...


def parse_date(field: str, label: str, value: str | date | None, *, required: bool = True) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "ce champ est obligatoire.", label)
        return None
    if isinstance(value, date):
        return value
    text = value.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text) or re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text)
    if not m:
        raise ValidationError(field, "date attendue au format JJ/MM/AAAA (ou AAAA-MM-JJ).", label)
    a, b, c = (int(g) for g in m.groups())
    y, mo, d = (a, b, c) if len(m.group(1)) == 4 else (c, b, a)
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValidationError(field, "cette date n'existe pas dans le calendrier.", label) from None


def check_birth_date(value: date, today: date) -> date:
    age = age_on(value, today)
    if value > today:
        raise ValidationError("birth_date", "la date de naissance est dans le futur.", "Date de naissance")
    if age < 16:
        raise ValidationError("birth_date", "la personne doit avoir au moins 16 ans.", "Date de naissance")
    if age > 80:
        raise ValidationError("birth_date", "date peu plausible (plus de 80 ans) : vérifiez l'année.", "Date de naissance")
    return value


def check_event_date(field: str, label: str, value: date | None, today: date, *, future_days: int = 0) -> date | None:
    """A date of something that happened (spotting, consent): not in the future, not before 2015."""
    if value is None:
        return None
    if value.year < 2015:
        raise ValidationError(field, "date trop ancienne : vérifiez l'année.", label)
    if (value - today).days > future_days:
        raise ValidationError(field, "cette date est dans le futur.", label)
    return value


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def clean_phone(value: str | None) -> str | None:
    """A French phone number, stored in E.164 (+33...)."""
    import phonenumbers

    text = (value or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        raise ValidationError("phone", "numéro de téléphone illisible (ex. 06 12 34 56 78).", "Téléphone") from None
    if not phonenumbers.is_valid_number(number) or number.country_code != 33:
        raise ValidationError("phone", "ce n'est pas un numéro de téléphone français valide.", "Téléphone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    import phonenumbers

    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "FR"), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def clean_email(value: str | None) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    text = (value or "").strip()
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError("email", "adresse e-mail invalide (ex. prenom.nom@exemple.fr).", "E-mail") from None


def clean_label(field: str, label: str, value: str | None, *, max_length: int = 120) -> str:
    """A short free-text label (an office, « MDS d'Arras »): letters, digits, single spaces and
    usual punctuation; no control, format or bidirectional characters. May be empty."""
    if any(unicodedata.category(c) == "Cc" for c in value or ""):  # line breaks, escapes
        raise ValidationError(field, "une seule ligne, sans caractère de contrôle.", label)
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", value or "")).strip()
    if len(text) > max_length:
        raise ValidationError(field, f"{max_length} caractères au plus.", label)
    for ch in text:
        cat = unicodedata.category(ch)
        if not (ch in _LABEL_ALLOWED_PUNCT or cat[0] in "LN" or cat == "Mn") or ch in _INVISIBLE_LETTERS:
            raise ValidationError(field, "lettres, chiffres, espaces et ponctuation usuelle (' - . , ( ) / &) "
                                         "seulement.", label)
    return text


def ascii_digits(text: str) -> str:
    """Digits of any script (Arabic-Indic ٣, full-width ３…) as ASCII digits; other characters kept."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def clean_caf_number(value: str | None) -> str | None:
    text = ascii_digits(re.sub(r"\s", "", value or ""))
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{7}", text):
        raise ValidationError("caf_number", "le numéro d'allocataire CAF compte 7 chiffres.", "N° allocataire CAF")
    return text


def clean_france_travail_id(value: str | None) -> str | None:
    text = re.sub(r"\s", "", value or "").upper()
    if not text:
        return None
    if not re.fullmatch(r"[0-9A-Z]{7,11}", text):
        raise ValidationError(
            "france_travail_id", "identifiant France Travail : 7 à 11 chiffres ou lettres.", "Identifiant France Travail"
        )
    return text


_NIR_LIKE = re.compile(r"\b[12]\s?\d{2}\s?\d{2}\s?(\d{2}|2A|2B)\s?\d{3}\s?\d{3}(\s?\d{2})?\b", re.IGNORECASE)


def check_free_text(field: str, label: str, value: str | None, *, max_length: int = 4000) -> str:
    """Factual free text: refuses what looks like a NIR (social security number)."""
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(field, f"{max_length} caractères au plus.", label)
    if _NIR_LIKE.search(text):
        raise ValidationError(
            field, "ce texte semble contenir un numéro de sécurité sociale (NIR), qui ne doit jamais être enregistré.", label
        )
    return text


def check_passphrase(passphrase: str, user_inputs: list[str] | None = None) -> int:
    """Return the zxcvbn score (0–4); raise ``PassphraseTooWeak`` with French reasons."""
    from zxcvbn import zxcvbn

    reasons: list[str] = []
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        reasons.append(f"Elle doit compter au moins {MIN_PASSPHRASE_LENGTH} caractères ({len(passphrase)} saisis).")
    score = zxcvbn(passphrase[:100], user_inputs=user_inputs or [])["score"] if passphrase else 0
    if score < MIN_ZXCVBN_SCORE:
        reasons.append(
            "Elle est trop facile à deviner : préférez plusieurs mots sans rapport entre eux, "
            "évitez les noms, les dates et les suites de touches."
        )
    if reasons:
        raise PassphraseTooWeak(reasons)
    return score


def passphrase_strength(passphrase: str) -> int:
    """zxcvbn score 0–4, for a strength indicator."""
    from zxcvbn import zxcvbn

    return zxcvbn(passphrase[:100])["score"] if passphrase else 0

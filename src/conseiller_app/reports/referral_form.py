"""The referral form (fiche de liaison) that travels with the person to the agence d'emploi.

Input: the dict of ``storage.services.referrals.form_data`` (the person's data already limited to
the consent's scope; this module prints what it is given and says what is not shared)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from conseiller_app.reports.common import (
    ACCENT,
    BAND,
    CONVENTION,
    RULE,
    QrFlowable,
    esc,
    field_grid,
    fr_date,
    fr_long_date,
    render_story,
    section,
    styles,
    write_pdf,
)

if TYPE_CHECKING:
    from conseiller_app.storage.services.referrals import FormPerson, ReferralForm

MARGIN = 15 * mm
NOT_SHARED = "<font color='#8a8a8a'>non communiqué (hors du consentement)</font>"


def filename(reference: str) -> str:
    """A neutral file name: the reference, never the person's name."""
    return f"{reference}.pdf"


def _value(person: FormPerson, key: str, fmt: Callable[[Any], Any] | None = None) -> str:
    fields: Mapping[str, Any] = person  # read by a field name the caller gives
    if key not in fields:
        return NOT_SHARED
    val = fields[key]
    if fmt:
        val = fmt(val)
    return esc(val) if val not in (None, "") else "<font color='#8a8a8a'>—</font>"


def _checkbox_line(items: list[str], st: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph("&nbsp;&nbsp;&nbsp;".join(f"<font size=11>☐</font>&nbsp;{esc(i)}" for i in items), st["cell"])


def render(data: ReferralForm) -> bytes:
    st = styles()
    width = A4[0] - 2 * MARGIN
    person = data["person"]
    ref = data["reference"]
    story: list[Flowable] = []

    # Title block with the QR code of the reference.
    qr = QrFlowable(ref, 27 * mm)
    title = [
        Paragraph("Fiche de liaison", st["title"]),
        Spacer(0, 1 * mm),
        Paragraph("Orientation vers une agence d'emploi", st["section"]),
        Paragraph(esc(CONVENTION), st["subtitle"]),
        Spacer(0, 2 * mm),
        field_grid([
            ("Référence", f"<font size=11>{esc(ref)}</font>"),
            ("Émise le", esc(fr_date(data["issued_on"]))),
            ("Statut", f"{esc(data['status_label'])} le {esc(fr_date(data['status_date']))}"),
        ], width - 36 * mm, st, columns=1),
    ]
    ref_box = Table([[qr], [Paragraph(f"<font size=6.5>{esc(ref)}</font>", st["small"])]],
                    colWidths=[32 * mm])
    ref_box.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                                 ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    head = Table([[title, ref_box]], colWidths=[width - 36 * mm, 36 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story += [head, Spacer(0, 3 * mm)]

    # 1. The person (only what the consent covers).
    story.append(section("1. Personne orientée", width, st))
    rows = [
        ("Nom", _value(person, "last_name", lambda x: x.upper())),
        ("Prénom", _value(person, "first_name")),
        ("Date de naissance", _value(person, "birth_date", fr_date)),
        ("Public", _value(person, "public_label")),
    ]
    if "phone" in person:
        rows += [
            ("Téléphone", _value(person, "phone")),
            ("E-mail", _value(person, "email")),
            ("Adresse", _value(person, "address")),
            ("Commune", esc(f"{person.get('postal_code', '')} {person.get('commune_name', '')}".strip()) or "—"),
        ]
    else:
        rows.append(("Coordonnées", NOT_SHARED))
    story += [field_grid(rows, width, st), Spacer(0, 3 * mm)]

    # 2. The referral.
    agency = data["agency"]
    story.append(section("2. Orientation", width, st))
    address = ", ".join(x for x in (agency.get("address"), f"{agency.get('postal_code', '')} "
                                    f"{agency.get('commune_name', '')}".strip()) if x)
    trades = "<br/>".join(f"{esc(t['name'])} <font color='#5b5b5b'>(ROME {esc(t['rome'])})</font>"
                          if t.get("rome") else esc(t["name"]) for t in data["trades"]) or "—"
    agency_name = esc(agency["name"]) + (" <font color='#8a8a8a'>(annuaire illustratif)</font>"
                                         if agency.get("illustrative") else "")
    network = f"<br/><font color='#5b5b5b'>{esc(agency['network'])}</font>" if agency.get("network") else ""
    story += [field_grid([
        ("Agence d'emploi", agency_name + network),
        ("Adresse", esc(address or "—")),
        ("Dispositif visé", f"<font size=10>{esc(data['scheme_label'])}</font>"),
        ("Contact agence", esc(agency.get("contact") or "—")),
        ("Métiers visés", trades),
    ], width, st), Spacer(0, 3 * mm)]

    # 3. Pathway and barriers, when shared.
    story.append(section("3. Parcours et freins périphériques", width, st))
    if "steps" in person:
        steps = person["steps"]
        if steps:
            t = Table([[Paragraph("Étape du parcours", st["head"]), Paragraph("Statut", st["head"]),
                        Paragraph("Date", st["head"])]] +
                      [[Paragraph(esc(x["stage_label"]), st["cell"]), Paragraph(esc(x["status_label"]), st["cell"]),
                        Paragraph(esc(fr_date(x["date"])), st["cell"])] for x in steps],
                      colWidths=[width * 0.55, width * 0.25, width * 0.20], repeatRows=1)
            t.setStyle(TableStyle([
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
                ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]))
            story.append(t)
        else:
            story.append(Paragraph("Aucune étape réalisée à ce jour.", st["cell"]))
    else:
        story.append(Paragraph(f"Parcours : {NOT_SHARED}", st["cell"]))
    story.append(Spacer(0, 2 * mm))
    if "barriers_summary" in person or "barriers" in person:
        barriers = person.get("barriers") or []
        listed = ", ".join(f"{esc(b['type_label'])} ({esc(b['status_label']).lower()})" for b in barriers) or "aucun"
        story.append(field_grid([("Freins repérés", listed),
                                 ("Synthèse", esc(person.get("barriers_summary") or "—").replace("\n", "<br/>"))],
                                width, st, columns=1))
    else:
        story.append(Paragraph(f"Freins périphériques : {NOT_SHARED}", st["cell"]))
    story.append(Spacer(0, 3 * mm))

    # 4. The conseiller.
    c = data["conseiller"]
    story += [section("4. Conseiller·ère référent·e", width, st), field_grid([
        ("Nom", esc(c.get("name") or "—")),
        ("Lieu d'accueil", esc(", ".join(x for x in (c.get("office"), c.get("territory")) if x) or "—")),
        ("Téléphone", esc(c.get("phone") or "—")),
        ("E-mail", esc(c.get("email") or "—")),
    ], width, st), Spacer(0, 3 * mm)]

    # 5. Consent statement.
    consent = data["consent"]
    shared = ", ".join(x.lower() for x in data["scope_labels"])
    statement = (
        f"La personne a donné son accord le {esc(fr_date(consent['given_on']))} pour que les données suivantes "
        f"soient transmises à <b>{esc(agency['name'])}</b> dans le cadre de son accompagnement : <b>{esc(shared)}</b>. "
        f"Accord recueilli par {esc(consent['recorded_by'] or c.get('name') or 'son conseiller')}. Aucune autre donnée "
        "n'est communiquée. La personne peut retirer son accord à tout moment auprès de son conseiller ; elle "
        "dispose d'un droit d'accès et de rectification de ses données (RGPD, articles 15 et 16)."
    )
    story += [KeepTogether([section("5. Consentement au partage des données", width, st), Spacer(0, 1.5 * mm),
                            Paragraph(statement, st["cell"])]), Spacer(0, 3 * mm)]

    # 6. The agency's answer (to fill in), quoting the reference.
    answer = Table([
        [Paragraph(f"À compléter par l'agence et à retourner au conseiller en rappelant la référence "
                   f"<b>{esc(ref)}</b>.", st["italic"])],
        [_checkbox_line(["Reçue le ____/____/______", "Entretien prévu le ____/____/______"], st)],
        [_checkbox_line(["Positionné·e sur : ______________________________________________"], st)],
        [_checkbox_line(["Non retenu·e — motif : __________________________________________"], st)],
    ], colWidths=[width])
    answer.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, RULE), ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5), ("LEFTPADDING", (0, 0), (-1, -1), 6)]))

    # 7. Signatures.
    box_w = width / 3
    labels = ["La personne orientée", "Le ou la conseiller·ère", "L'agence d'emploi"]
    sig = Table([[Paragraph(f"<b>{esc(x)}</b><br/><font color='#5b5b5b'>Date et signature</font>", st["cell"])
                  for x in labels], ["", "", ""]], colWidths=[box_w] * 3, rowHeights=[None, 16 * mm])
    sig.setStyle(TableStyle([("BOX", (0, 0), (0, -1), 0.6, RULE), ("BOX", (1, 0), (1, -1), 0.6, RULE),
                             ("BOX", (2, 0), (2, -1), 0.6, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("BACKGROUND", (0, 0), (-1, 0), BAND)]))
    # The agency's answer and the signatures stay together: a second page never holds only boxes.
    story.append(KeepTogether([section("6. Suite donnée par l'agence", width, st), Spacer(0, 1.5 * mm), answer,
                               Spacer(0, 4 * mm), sig]))

    return render_story(story, title=f"Fiche de liaison {ref}", header_right=ref, margin=MARGIN,
                        footer=f"Fiche de liaison {ref} — document confidentiel : contient des données personnelles")


def write(target: Path, data: ReferralForm) -> Path:
    """Render and write atomically to ``target``."""
    return write_pdf(target, lambda: render(data))


__all__ = ["filename", "fr_long_date", "render", "write"]

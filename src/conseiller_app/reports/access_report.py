"""The access statement (relevé des données détenues, RGPD article 15): everything the vault
holds about one person, with who controls the data and how long it is kept.

Input: the dict of ``storage.services.access.gather`` (labels already in French)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from conseiller_app.reports.common import (
    data_table,
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
    from conseiller_app.storage.services.access import AccessStatement, StatementStep

MARGIN = 15 * mm
TITLE = "Relevé des données détenues — droit d'accès (article 15 du RGPD)"
NONE = "<font color='#8a8a8a'>—</font>"


def filename(data: AccessStatement) -> str:
    """A neutral file name: the statement's reference (from the file's id), never the name."""
    return f"releve-droit-acces-{data['reference']}.pdf"


def _text(value: Any) -> str:
    """Escaped markup of a value: dates in French, line breaks kept, a dash when empty."""
    if isinstance(value, datetime):
        return esc(value.astimezone().strftime("%d/%m/%Y %H:%M"))
    if isinstance(value, date):
        return esc(fr_date(value))
    if value in (None, ""):
        return NONE
    return esc(value).replace("\n", "<br/>")


def _euros(cents: int | None) -> str:
    if cents is None:
        return ""
    whole = f"{cents / 100:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{whole}\u00a0€"


def _lines(*parts: str) -> str:
    """Non-empty parts (already markup), one per line."""
    return "<br/>".join(p for p in parts if p) or NONE


def _muted(text: str) -> str:
    return f"<font color='#5b5b5b'>{esc(text)}</font>"


def _saved_at(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime(" (du %d/%m/%Y à %H:%M)")
    except (TypeError, ValueError):
        return ""


def _section(story: list[Flowable], title: str, width: float, st: dict[str, ParagraphStyle],
             body: Sequence[Flowable]) -> None:
    """A heading kept with the start of its content, then the rest."""
    head = [section(title, width, st), Spacer(0, 1.5 * mm)]
    story.append(KeepTogether([*head, *body[:1]]))
    story.extend(body[1:])
    story.append(Spacer(0, 4 * mm))


def _empty(text: str, st: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph(esc(text), st["italic"])


def render(data: AccessStatement) -> bytes:
    st = styles()
    width = A4[0] - 2 * MARGIN
    ref = data["reference"]
    c = data["controller"]
    r = data["retention"]
    story: list[Flowable] = [
        Paragraph(esc(TITLE), st["title"]),
        Spacer(0, 2 * mm),
        Paragraph(esc(f"Établi le {fr_long_date(data['generated_on'])} par {data['generated_by']} — "
                      f"référence {ref}"), st["subtitle"]),
        Spacer(0, 2 * mm),
        Paragraph("Ce relevé reprend toutes les informations que le Département conserve sur vous dans le cadre "
                  "de votre accompagnement, telles qu'elles figurent dans le dossier à la date ci-dessus, ainsi "
                  "que l'historique des consultations et des modifications de ce dossier.", st["cell"]),
        Spacer(0, 4 * mm),
    ]

    _section(story, "1. Responsable du traitement et conservation", width, st, [field_grid([
        ("Responsable", esc(c["name"]) + "<br/>" + _muted(c["service"])),
        ("Conseiller·ère référent·e", esc(c["conseiller"])),
        ("Lieu d'accueil", _text(", ".join(x for x in (c["office"], c["territory"]) if x))),
        ("Finalité", esc(c["purpose"])),
        ("Durée de conservation", esc(r["rule"])),
        ("Conservation prévue", esc(f"au moins jusqu'au {fr_date(r['kept_at_least_until'])} ({r['months']} mois "
                                    f"après le dernier contact noté, le {fr_date(r['last_contact'])}) ; chaque "
                                    "nouveau contact repousse cette date")),
    ], width, st, columns=1)])

    _section(story, "2. Identité, coordonnées et situation", width, st, [
        field_grid([(x["label"], _text(x["value"])) for x in data["identity"]], width, st)])

    barriers = data["barriers"]
    body: list[Flowable] = []
    if barriers:
        body.append(data_table(
            ["Frein", "Statut", "Identifié le", "Levé le", "Actions menées"],
            [[_lines(esc(b["type_label"]), _muted(b["subtype_label"]) if b["subtype_label"] else ""),
              esc(b["status_label"]), _text(b["identified_on"]), _text(b["lifted_on"]) if b["lifted_on"] else "",
              _lines(*(f"{esc(fr_date(a['done_on']))} — {esc(a['offer'] or 'action')}"
                       + (f" : {esc(a['comment'])}" if a["comment"] else "") for a in b["actions"]))]
             for b in barriers],
            [width * 0.25, width * 0.15, width * 0.12, width * 0.12, width * 0.36], st))
        if any(b["health_flag_only"] for b in barriers):
            body += [Spacer(0, 1 * mm), Paragraph(
                "Santé : seule l'existence d'un frein est enregistrée, sans aucun détail sur votre état de santé.",
                st["small"])]
    else:
        body.append(_empty("Aucun frein périphérique enregistré.", st))
    _section(story, "3. Freins périphériques", width, st, body)

    consents = data["consents"]
    _section(story, "4. Consentements au partage des données", width, st, [data_table(
        ["Partenaire", "Données partagées", "Donné le", "Retiré le", "Recueilli par"],
        [[_lines(esc(x["partner_name"]), _muted(x["partner_kind_label"])), esc(", ".join(x["scope_labels"])),
          _text(x["given_on"]), _text(x["withdrawn_on"]) if x["withdrawn_on"] else "", _text(x["recorded_by"])]
         for x in consents],
        [width * 0.32, width * 0.25, width * 0.12, width * 0.12, width * 0.19], st)
        if consents else _empty("Aucun consentement enregistré.", st)])

    steps = data["steps"]

    def step_dates(p: StatementStep) -> str:
        planned = (f"prévue du {fr_date(p['planned_start'])}" + (f" au {fr_date(p['planned_end'])}"
                                                                 if p["planned_end"] else "")
                   if p["planned_start"] else "")
        done = (f"réalisée du {fr_date(p['actual_start'])}" + (f" au {fr_date(p['actual_end'])}"
                                                               if p["actual_end"] else "")
                if p["actual_start"] else "")
        return _lines(esc(f"proposée le {fr_date(p['proposed_on'])}") if p["proposed_on"] else "",
                      esc(planned), esc(done))

    def step_more(p: StatementStep) -> str:
        money = " — ".join(x for x in (p["funder_label"], _euros(p["funded_amount_cents"])) if x)
        return _lines(esc(p["reason_label"]) if p["reason_label"] else "",
                      esc(f"Sortie : {p['outcome_label']}") if p["outcome_label"] else "",
                      esc(p["scheme_label"]), esc(money), _muted(p["comment"]) if p["comment"] else "")

    _section(story, "5. Parcours", width, st, [data_table(
        ["Étape", "Statut", "Dates", "Motif, sortie, dispositif, financement"],
        [[esc(p["stage_label"]), esc(p["status_label"]), step_dates(p), step_more(p)] for p in steps],
        [width * 0.27, width * 0.16, width * 0.27, width * 0.30], st)
        if steps else _empty("Aucune étape enregistrée.", st)])

    regs = data["registrations"]
    _section(story, "6. Ateliers et sessions", width, st, [data_table(
        ["Session", "Dates", "Lieu", "Inscription", "Présence"],
        [[_lines(esc(x["session_title"]), _muted(x["kind_label"])),
          esc(fr_date(x["start_date"]) if x["start_date"] == x["end_date"]
              else f"du {fr_date(x['start_date'])} au {fr_date(x['end_date'])}"),
          _lines(esc(x["place"]), _muted(x["territory_name"])),
          _lines(esc(x["status_label"]), _muted(f"le {fr_date(x['registered_on'])}"),
                 _muted("venu·e sur place") if x["walk_in"] else ""),
          esc(x["attendance_label"]) if x["attendance_label"] else _muted("non notée")] for x in regs],
        [width * 0.32, width * 0.16, width * 0.22, width * 0.17, width * 0.13], st)
        if regs else _empty("Aucune inscription à une session.", st)])

    refs = data["referrals"]
    body = []
    if refs:
        body.append(data_table(
            ["Référence", "Agence d'emploi", "Dispositif et métiers", "Statut", "Créée le"],
            [[esc(x["reference"]), esc(x["agency"]), _lines(esc(x["scheme_label"]), _muted(", ".join(x["trades"]))),
              _lines(esc(f"{x['status_label']} le {fr_date(x['status_date'])}"),
                     esc(x["refusal_reason_label"]) if x["refusal_reason_label"] else "",
                     esc(x["result"]) if x["result"] else ""),
              _lines(esc(fr_date(x["created_on"])), _muted(x["created_by"]))] for x in refs],
            [width * 0.25, width * 0.23, width * 0.19, width * 0.19, width * 0.14], st))
        for x in refs:
            if x["barriers_summary"]:
                body += [Spacer(0, 1 * mm), Paragraph(
                    f"<b>{esc(x['reference'])}</b> — synthèse des freins transmise : {_text(x['barriers_summary'])}",
                    st["cell"])]
    else:
        body.append(_empty("Aucune orientation vers une agence d'emploi.", st))
    _section(story, "7. Orientations vers les agences d'emploi", width, st, body)

    lines = data.get("indicator_facts") or []
    _section(story, "7 bis. Diagnostic FASTT, prévention, financements, intérêt pour le SAS", width, st,
             [Paragraph("<br/>".join(esc(x) for x in lines), st["cell"])] if lines
             else [_empty("Rien d'enregistré.", st)])

    notes = [Paragraph(f"<b>{esc(n['written_on'].strftime('%d/%m/%Y'))} — {esc(n['author'])}</b><br/>"
                       f"{_text(n['text'])}", st["cell"]) for n in data.get("dated_notes") or []]
    if data["notes"]:
        notes.append(Paragraph("<b>Notes antérieures</b><br/>" + _text(data["notes"]), st["cell"]))
    _section(story, "8. Notes du conseiller·ère", width, st, notes or [_empty("Aucune note.", st)])

    drafts = data["drafts"]
    body = []
    for d in drafts:
        saved = _saved_at(d["saved_at"])
        body.append(Paragraph(f"<b>{esc(d['kind'])}</b>{esc(saved)}<br/>" + "<br/>".join(esc(i) for i in d["items"]),
                              st["cell"]))
    _section(story, "9. Saisies en cours non enregistrées", width, st,
             body or [_empty("Aucune saisie en cours.", st)])

    journal = data["audit"]
    _section(story, "10. Journal des consultations et des modifications", width, st, [
        Paragraph("Chaque consultation et chaque modification de votre dossier est inscrite dans un journal qui ne "
                  "peut pas être modifié (heures locales).", st["small"]),
        Spacer(0, 1.5 * mm),
        data_table(["Date", "Par", "Action", "Détail"],
                   [[_text(e["at"]), esc(e["who"]), esc(e["action_label"]), esc(e["detail"])] for e in journal],
                   [width * 0.19, width * 0.19, width * 0.24, width * 0.38], st),
    ])

    story.append(KeepTogether([section("Vos droits", width, st), Spacer(0, 1.5 * mm), Paragraph(
        "Vous pouvez demander la rectification des informations inexactes, leur effacement ou la limitation de leur "
        "utilisation, retirer à tout moment un consentement au partage, et vous opposer à un traitement, auprès de "
        f"votre conseiller·ère ou du délégué à la protection des données du {esc(c['name'])}. Vous pouvez aussi "
        "adresser une réclamation à la CNIL (www.cnil.fr).", st["cell"])]))

    return render_story(
        story,
        title=f"Relevé droit d'accès {ref}",
        header_right=ref,
        margin=MARGIN,
        footer=f"Relevé droit d'accès {ref} — document confidentiel : contient des données personnelles",
    )


def write(target: Path, data: AccessStatement) -> Path:
    """Render and write atomically to ``target``."""
    return write_pdf(target, lambda: render(data))


__all__ = ["TITLE", "filename", "render", "write"]

"""The console's Indicateurs page (chargé·e de mission and partner): filters, the eight indicators
with their definitions, the funnel, the trend and the breakdowns as server-drawn charts with a
table under each, and the bilan and partners' exports to download (each download journaled with
the console user's login).

The first view computes the headline, the funnel, the monthly trend and the breakdown by
territory (and, for the central office's staff, by conseiller); every other breakdown is computed
when asked for, with ``?repartition=agence`` (a plain link on the page: each breakdown of 60,000
files costs seconds, all of them together most of a minute).

A partner sees aggregates only (see ``indicators_view``) and is refused (403) anything that names
a person: the per-device filter (a device is one conseiller), the breakdown by conseiller, and
every device, conflict or bundle page (refused by their own routes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template

from conseiller_app.central import devices as devices_mod
from conseiller_app.central import indicators
from conseiller_app.central.accounts import CHARGE, PARTNER, CurrentUser
from conseiller_app.central.web import indicators_view
from conseiller_app.central.web.console import _central, _journal, _page, _run, _staff
from conseiller_app.domain.consolidation import Consolidation
from conseiller_app.domain.enums import Public
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.indicators import CHANTIERS

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

AnyRequest = Request[Any, Any, Any]
ROLES = (CHARGE, PARTNER)
FILTER_KEYS = ("from", "to", "territory", "public", "chantier")
EXPORT_FORMATS = {"pdf": "application/pdf", "ods": "application/vnd.oasis.opendocument.spreadsheet",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "csv": "application/zip"}  # csv: a ZIP of one CSV file per sheet
PERSON_REFUSED = ("Accès refusé : les partenaires voient les chiffres agrégés du département, jamais ceux d'un "
                  "appareil ou d'une personne.")


def _values(source: Mapping[str, Any]) -> dict[str, str]:
    """The page's parameters, as short plain texts (whatever a URL or a form carried)."""
    out = {}
    for key in (*FILTER_KEYS, "device", "chiffre", "format", "repartition"):
        value = source.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = value.strip()[:80]
    return out


def _refuse_person_level(user: CurrentUser, values: Mapping[str, str]) -> None:
    if user.role != PARTNER:
        return
    asked = values.get("repartition", "").lower()
    if values.get("device") or indicators_view.CHOICES.get(asked) in indicators_view.PERSONAL:
        raise PermissionDeniedException(PERSON_REFUSED)


def _consolidate(central: Central, values: Mapping[str, str], breakdowns: Sequence[str] | None = None) -> Consolidation:
    """The consolidation for the page's filters: every breakdown (the bilan, the exports), or only
    ``breakdowns`` with the monthly trend (the page)."""
    filters = indicators.parse_filters(central, {k: values[k] for k in FILTER_KEYS if k in values})
    device_id = values.get("device")
    if device_id and device_id not in {d.id for d in devices_mod.list_devices(central)}:
        raise ValidationError("device", "appareil inconnu.", "Appareil")
    if breakdowns is None:
        return indicators.consolidate(central, filters, device_id=device_id or None)
    return indicators.consolidate(central, filters, device_id=device_id or None, breakdowns=breakdowns, trend=True)


def _options(central: Central, partner: bool) -> dict[str, Any]:
    ref = indicators.loaded(central).reference
    devices = [] if partner else [d for d in devices_mod.list_devices(central) if d.status != "en_attente"]
    return {"territories": sorted(ref.territories.items(), key=lambda kv: kv[1]),
            "publics": [(p.value, p.label) for p in Public],
            "chantiers": [(c, ref.chantiers.get(c, c)) for c in CHANTIERS],
            "devices": devices,
            "figures": list(indicators_view.FIGURES.items()),
            "breakdowns": indicators_view.choices(partner)}


def _words(c: Consolidation) -> tuple[str, list[tuple[str, str]]]:
    from conseiller_app.reports import comite

    return comite.period_in_words(c.filters), comite.filters_in_words(c)


def _build(central: Central, values: dict[str, str], partner: bool) -> dict[str, Any]:
    """Everything the template needs (run in a worker thread: it reads the database)."""
    context: dict[str, Any] = {"values": values, "options": _options(central, partner), "partner": partner,
                               "figure": values.get("chiffre", indicators_view.DEFAULT_FIGURE), "model": None,
                               "links": _breakdown_links(values, partner)}
    try:
        choice = indicators_view.chosen(values.get("repartition"), partner)
    except ValueError as exc:
        context["error"], context["breakdown_error"] = str(exc), True
        del values["repartition"]  # not kept in the form: the filters shown again must work
        return context
    context["shown"] = indicators_view.breakdowns_for(choice, partner)
    try:
        c = _consolidate(central, values, context["shown"])
    except ValidationError as exc:
        context["error"] = str(exc)
        return context
    context["model"] = indicators_view.page_model(c, partner=partner, figure=context["figure"])
    context["period"], context["filter_words"] = _words(c)
    context["hidden"] = [(k, values[k]) for k in (*FILTER_KEYS, "device") if k in values]
    return context


def _breakdown_links(values: Mapping[str, str], partner: bool) -> list[dict[str, str]]:
    """One link per breakdown a role can ask for, keeping the page's filters and chart figure."""
    kept = [(k, values[k]) for k in (*FILTER_KEYS, "device", "chiffre") if k in values]
    first = indicators_view.first_view(partner)
    out = []
    for slug, label in indicators_view.choices(partner):
        dim = indicators_view.CHOICES[slug]
        query = urlencode([*kept, ("repartition", slug)])
        out.append({"slug": slug, "label": label, "href": f"/indicateurs?{query}#repartition-{dim}",
                    "always": "1" if dim in first else ""})
    return out


@get("/indicateurs")
async def indicators_page(request: AnyRequest) -> Template:
    user = await _staff(request, ROLES)
    values = _values(request.query_params)
    _refuse_person_level(user, values)
    context = await _run(_build, _central(request), values, user.role == PARTNER)
    return _page(request, "indicateurs.html", user, status=400 if context.get("error") else 200, **context)


def _journal_detail(c: Consolidation, what: str) -> str:
    period, words = _words(c)
    return "; ".join([what, f"période {period}", *(f"{label} : {value}" for label, value in words)])[:500]


def _download(data: bytes, name: str, media_type: str) -> Response[Any]:
    return Response(data, media_type=media_type, status_code=200,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def _form_values(request: AnyRequest) -> dict[str, str]:
    form = await request.form()
    return _values({k: form.get(k) for k in form})


async def _issue(request: AnyRequest, kind: str) -> Response[Any]:
    """The bilan or an export for the page's filters: made by ``central.exports`` (which journals
    it in the journal of exports with the console user's login), noted in the staff journal too,
    and sent as a download."""
    from conseiller_app.central import exports

    user = await _staff(request, ROLES)
    values = await _form_values(request)
    _refuse_person_level(user, values)
    central = _central(request)
    fmt = values.get("format", "ods") if kind == "export" else "pdf"
    if kind == "export" and (fmt not in EXPORT_FORMATS or fmt == "pdf"):
        return _page(request, "erreur.html", user, status=400, message=f"Format d'export inconnu « {fmt} » "
                     "(attendu : ods, xlsx ou csv).")
    try:
        c = await _run(_consolidate, central, values)
    except ValidationError as exc:
        return _page(request, "erreur.html", user, status=400, message=str(exc))
    who = user.login
    if kind == "bilan":
        issued = await _run(lambda: exports.bilan(central, c.filters, who=who, source="console", consolidation=c,
                                                  device_id=c.device_id))
    else:
        issued = await _run(lambda: exports.partner_export_file(central, c.filters, fmt, who=who, source="console",
                                                                consolidation=c, device_id=c.device_id))
    what = "bilan PDF" if kind == "bilan" else f"export {fmt.upper()}"
    await _journal(request, user, "bilan_telecharge" if kind == "bilan" else "export_telecharge",
                   f"n°{issued.journal_id}", _journal_detail(c, what))
    return _download(issued.data, issued.file_name, EXPORT_FORMATS[fmt])


@post("/indicateurs/bilan")
async def download_bilan(request: AnyRequest) -> Response[Any]:
    return await _issue(request, "bilan")


@post("/indicateurs/export")
async def download_export(request: AnyRequest) -> Response[Any]:
    return await _issue(request, "export")


ROUTES = [indicators_page, download_bilan, download_export]

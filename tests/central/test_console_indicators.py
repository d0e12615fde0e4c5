"""The console's Indicateurs page over HTTP, against the real service on a training central office
fed with demo vaults: the figures are the consolidation's, filters work and are checked, a
partner sees masked aggregates only and is refused a person's data, hostile names are text, and
the bilan download is journaled."""

from __future__ import annotations

import html
import re
import subprocess

import pytest

from conseiller_app.central import indicators
from conseiller_app.central.accounts import journal_entries
from conseiller_app.central.web.indicators_view import integer
from tests.central import indicators_site
from tests.central.console_helpers import Browser
from tests.central.webserver import WebServer

CELL_RE = re.compile(r'<td class="nombre">([^<]*)</td>')
CARD_RE = r'id="indicateur-{key}">\s*<h3>[^<]*</h3>\s*<p class="valeur">([^<]*)</p>'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("indicateurs")
    central, keys, url, ids = indicators_site.build(tmp, hostile=True)
    server = WebServer(url, keys).start()
    yield central, server, ids
    server.stop()
    central.close()


def card(page: str, key: str) -> str:
    found = re.search(CARD_RE.format(key=key), page)
    assert found, key
    return html.unescape(found.group(1))


def test_partner_sees_masked_aggregates_and_no_person(site):
    central, server, _ = site
    b = Browser(server.url)
    assert b.login("partenaire").status_code == 303
    r = b.get("/indicateurs")
    assert r.status_code == 200, r.text[-800:]
    page = r.text
    assert "Indicateurs de la convention" in page and "Siège de formation (données fictives)" in page
    for title in ("SPOTT en lien avec les grands chantiers", "Taux d'insertion après le parcours",
                  "Montant investi par le FPETT", "Enveloppe AKTIV compétences"):
        assert html.escape(title, quote=False) in page or title in html.unescape(page)
    # The first view: the funnel, the trend and the territories (other breakdowns on demand).
    assert page.count("<svg") == 3 and page.count('role="img"') == page.count("<svg")
    assert page.count("<caption") >= page.count("<svg")  # a table under every chart
    # No person: no conseiller's name, no breakdown by conseiller, no device filter.
    text = html.unescape(page)
    for name in ("Claire Martin", "Nadia Lefebvre", "Karim Benali", "Zoé", "Sophie Vasseur", "alert"):
        assert name not in text, name
    assert "Par conseiller" not in text and 'name="device"' not in page
    # Every count shown is 0 or at least 5 (« < 5 » otherwise).
    cells = [html.unescape(c).replace("\u202f", "") for c in CELL_RE.findall(page)]
    assert cells and "< 5" in cells
    small = [c for c in cells if c.isdigit() and 0 < int(c) < 5]
    assert small == []
    # The cards: the exact figure when it is 5 or more, « < 5 » otherwise.
    report = indicators.consolidate(central).report
    expected = report.positioned_by_agencies
    assert card(page, "positioned_by_agencies") == ("< 5" if 0 < expected < 5 else integer(expected))


def test_partner_is_refused_a_persons_data(site):
    _central, server, ids = site
    b = Browser(server.url)
    b.login("partenaire")
    did = ids["Claire Martin"]
    for path in (f"/indicateurs?device={did}", f"/appareils/{did}", "/appareils", "/conflits", "/paquets"):
        r = b.get(path)
        assert r.status_code == 403 and "Claire" not in r.text, path
    b.get("/indicateurs")
    r = b.post("/indicateurs/bilan", {"device": did})
    assert r.status_code == 403 and not r.content.startswith(b"%PDF")


def test_charge_sees_exact_figures_and_filters(site):
    central, server, ids = site
    b = Browser(server.url)
    b.login("charge")
    page = b.get("/indicateurs").text
    whole = indicators.consolidate(central).report
    assert card(page, "positioned_by_agencies") == integer(whole.positioned_by_agencies)
    assert card(page, "prevention_completed") == integer(whole.prevention_completed)
    assert "Par conseiller" in page and "Claire Martin" in page and 'name="device"' in page

    r = b.get("/indicateurs?territory=arrageois&public=rsa")
    expected = indicators.consolidate(central, indicators.parse_filters(
        central, {"territory": "arrageois", "public": "rsa"})).report
    assert r.status_code == 200
    assert card(r.text, "positioned_by_agencies") == integer(expected.positioned_by_agencies)
    assert '<option value="arrageois" selected>' in r.text
    assert "Territoire\u00a0:</strong> Arrageois" in html.unescape(r.text)

    r = b.get("/indicateurs?from=01/01/2026&to=30/06/2026")  # French dates, as typed
    half = indicators.consolidate(central, indicators.parse_filters(
        central, {"from": "2026-01-01", "to": "2026-06-30"})).report
    assert card(r.text, "positioned_by_agencies") == integer(half.positioned_by_agencies)
    assert 'value="01/01/2026"' in r.text

    did = ids["Nadia Lefebvre"]
    r = b.get(f"/indicateurs?device={did}")
    one = indicators.consolidate(central, device_id=did).report
    assert card(r.text, "positioned_by_agencies") == integer(one.positioned_by_agencies)
    assert one.positioned_by_agencies < whole.positioned_by_agencies

    for query, field in (("from=2026-13-45", "Du"), ("territory=atlantide", "Territoire"),
                         ("from=2026-06-01&to=2026-01-01", "Au"), ("device=inconnu", "Appareil")):
        r = b.get(f"/indicateurs?{query}")
        assert r.status_code == 400, query
        assert 'role="alert"' in r.text and field in html.unescape(r.text), query
        assert 'class="carte"' not in r.text  # no figure for filters that were not understood


def test_hostile_names_are_shown_as_text(site):
    _central, server, _ids = site
    b = Browser(server.url)
    b.login("charge")
    page = b.get("/indicateurs").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;alert(&quot;x&quot;)" in page
    # In the SVG chart too (a <text> element), not only in the table.
    svg = page[page.index('id="repartition-conseiller"'):]
    svg = svg[svg.index("<svg"):svg.index("</svg>")]
    assert "&lt;script&gt;" in svg and "<script" not in svg
    # Hostile filter values come back as text too (in the error message and in the form's fields).
    r = b.client.get("/indicateurs", params={"territory": "<script>alert(2)</script>", "from": '"><img src=x>'})
    assert r.status_code == 400 and "<script>alert(2)" not in r.text and '"><img' not in r.text
    assert "&lt;script&gt;alert(2)" in r.text


def test_bilan_download_is_journaled_with_the_users_name(site, tmp_path):
    central, server, _ids = site
    b = Browser(server.url)
    b.login("partenaire")
    b.get("/indicateurs?territory=lens_lievin")
    assert b.post("/indicateurs/bilan", {"territory": "lens_lievin"}, token="faux").status_code == 403
    r = b.post("/indicateurs/bilan", {"territory": "lens_lievin"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/pdf")
    assert r.content.startswith(b"%PDF") and "attachment" in r.headers["content-disposition"]
    assert "Benali" not in r.headers["content-disposition"]
    pdf = tmp_path / "bilan.pdf"
    pdf.write_bytes(r.content)
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "FPETT" in words and "AKTO" in words and "Lens-Liévin" in words
    assert "Nadia Lefebvre" not in words
    [entry] = [e for e in journal_entries(central) if e.action == "bilan_telecharge"]
    assert entry.login == "partenaire" and "Lens-Liévin" in entry.detail


def test_only_the_indicator_roles_reach_the_page(site):
    _central, server, _ids = site
    anonymous = Browser(server.url)
    r = anonymous.get("/indicateurs")
    assert r.status_code == 303 and r.headers["location"].endswith("/connexion")
    admin = Browser(server.url)
    admin.login("admin")
    assert admin.get("/indicateurs").status_code == 403


@pytest.mark.parametrize("fmt", ["ods", "xlsx", "csv"])
def test_exports_are_journaled_and_hold_no_small_count(site, tmp_path, fmt):
    import io
    import zipfile

    from conseiller_app.central import exports

    central, server, _ids = site
    b = Browser(server.url)
    b.login("charge")
    b.get("/indicateurs")
    before = len(exports.journal(central))
    r = b.post("/indicateurs/export", {"format": fmt, "public": "rsa"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.headers["content-disposition"].endswith(f'.{"zip" if fmt == "csv" else fmt}"')
    rows = exports.journal(central)
    assert len(rows) == before + 1 and rows[0].who == "charge" and rows[0].source == "console"
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
        values = [v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    elif fmt == "ods":
        from odf import opendocument, teletype
        from odf.table import TableCell

        document = opendocument.load(io.BytesIO(r.content))
        values = [teletype.extractText(cell) for cell in document.getElementsByType(TableCell)]
        assert "< 5" in values
    else:
        archive = zipfile.ZipFile(io.BytesIO(r.content))
        values = [line for name in archive.namelist() for line in archive.read(name).decode("utf-8").splitlines()]
        assert "< 5" in "\n".join(values)
    # The per-conseiller breakdown stays inside the central office, even for the chargé·e de mission.
    assert not any(isinstance(v, str) and "Claire Martin" in v for v in values)
    assert b.post("/indicateurs/export", {"format": "exe"}).status_code == 400


def _section_ids(page: str) -> list[str]:
    return re.findall(r'<section id="((?:entonnoir|tendance|repartition-[a-z_]+))"', page)


def test_first_view_shows_the_headline_funnel_trend_and_territories_only(site):
    central, server, _ids = site
    b = Browser(server.url)
    b.login("charge")
    r = b.get("/indicateurs")
    assert r.status_code == 200
    page = r.text
    assert page.count('class="carte"') == 8
    # The funnel, the monthly trend and the breakdowns by territory and (for the staff) by conseiller.
    assert _section_ids(page) == ["entonnoir", "tendance", "repartition-territory", "repartition-conseiller"]
    c = indicators.consolidate(central)
    territories = re.search(r'id="repartition-territory".*?</section>', page, re.S).group(0)
    for row in c.breakdowns["territory"].rows:
        assert html.escape(row.label, quote=False) in territories, row.label
    assert "Les indicateurs par territoire" in territories and "<svg" in territories
    trend = re.search(r'id="tendance".*?</section>', page, re.S).group(0)
    assert trend.count("<tr>") - 1 == len(c.trend) > 0  # a table row per month (plus the header)
    # Every other breakdown is one plain link away (no JavaScript needed), the filters kept.
    links = dict(re.findall(r'<a href="(/indicateurs\?[^"]*)"[^>]*>(?:<strong>)?Par ([^<]*)<', page))
    assert {html.unescape(v) for v in links.values()} == {
        "territoire", "conseiller", "agence d'emploi", "chantier", "public", "dispositif", "trimestre",
        "année de convention"}
    r = b.get("/indicateurs?territory=arrageois&chiffre=pci")
    assert 'href="/indicateurs?territory=arrageois&amp;chiffre=pci&amp;repartition=agence#repartition-agency"' in r.text


@pytest.mark.parametrize(("choice", "dim", "caption"), [
    ("agence", "agency", "agence d'emploi"), ("chantier", "chantier", "chantier"), ("public", "public", "public"),
    ("dispositif", "scheme", "dispositif"), ("trimestre", "quarter", "trimestre"),
    ("annee", "convention_year", "année de convention"), ("Agence", "agency", "agence d'emploi")])
def test_a_breakdown_is_shown_on_demand(site, choice, dim, caption):
    central, server, _ids = site
    b = Browser(server.url)
    b.login("charge")
    r = b.get(f"/indicateurs?repartition={choice}&public=rsa")
    assert r.status_code == 200, r.text[-500:]
    page = r.text
    assert _section_ids(page) == ["entonnoir", "tendance", "repartition-territory", "repartition-conseiller",
                                  f"repartition-{dim}"]
    section = re.search(rf'id="repartition-{dim}".*?</section>', page, re.S).group(0)
    assert f"Les indicateurs par {caption}" in html.unescape(section)
    expected = indicators.consolidate(central, indicators.parse_filters(central, {"public": "rsa"}),
                                      breakdowns=(dim,)).breakdowns[dim]
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>((?:<td class="nombre">[^<]*</td>)+)</tr>', section)
    assert [html.unescape(label) for label, _ in rows] == [row.label for row in expected.rows]
    # The second figure column: positioned by agencies, as computed for each row.
    assert [html.unescape(CELL_RE.findall(cells)[1]) for _, cells in rows] == [
        integer(row.report.positioned_by_agencies) for row in expected.rows]
    assert 'aria-current="page"' in page  # the chosen breakdown is marked in the list of choices
    assert 'name="repartition" value="' in page  # and kept when the filters change


@pytest.mark.parametrize("value", ["agences", "month", "<b>x</b>"])
def test_an_unknown_breakdown_gets_a_french_message(site, value):
    _central, server, _ids = site
    b = Browser(server.url)
    b.login("charge")
    r = b.client.get("/indicateurs", params={"repartition": value})
    assert r.status_code == 400
    text = html.unescape(r.text)
    assert 'role="alert"' in r.text and f"Répartition inconnue « {value} »" in text
    assert "choisissez parmi territoire, conseiller, agence" in text
    assert "<b>x</b>" not in r.text and 'class="carte"' not in r.text
    # The choices are offered as links, and the filters' form no longer carries the unknown value.
    assert 'href="/indicateurs?repartition=agence#repartition-agency"' in r.text
    assert 'name="repartition"' not in r.text


def test_a_partner_gets_breakdowns_on_demand_but_never_by_conseiller(site):
    _central, server, _ids = site
    b = Browser(server.url)
    b.login("partenaire")
    page = b.get("/indicateurs").text
    assert _section_ids(page) == ["entonnoir", "tendance", "repartition-territory"]
    assert "repartition=conseiller" not in page and "Par conseiller" not in page
    for value in ("conseiller", "Conseiller"):
        r = b.get(f"/indicateurs?repartition={value}")
        assert r.status_code == 403, value
        assert "Accès refusé" in html.unescape(r.text) and "Claire" not in r.text
    r = b.get("/indicateurs?repartition=x")  # the choices offered to a partner do not name it either
    assert r.status_code == 400 and "choisissez parmi territoire, agence" in html.unescape(r.text)
    r = b.get("/indicateurs?repartition=agence")
    assert r.status_code == 200
    assert _section_ids(r.text) == ["entonnoir", "tendance", "repartition-territory", "repartition-agency"]
    section = re.search(r'id="repartition-agency".*?</section>', r.text, re.S).group(0)
    cells = [html.unescape(c).replace("\u202f", "") for c in CELL_RE.findall(section)]
    assert cells and not [c for c in cells if c.isdigit() and 0 < int(c) < 5]  # masked as elsewhere

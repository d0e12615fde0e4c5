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
    [entry] = [e for e in journal_entries(central) if e["action"] == "bilan_telecharge"]
    assert entry["login"] == "partenaire" and "Lens-Liévin" in entry["detail"]


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
    assert len(rows) == before + 1 and rows[0]["who"] == "charge" and rows[0]["source"] == "console"
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

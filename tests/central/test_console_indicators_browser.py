"""The Indicateurs page in a real browser (Debian's chromium through Debian's chromedriver, nothing
downloaded at run time): a partner logs in, sees the indicators with their figures, downloads the
bilan (the PDF arrives, with the partners' names in it) and is refused a person's data. A
screenshot of the page goes to $CONSOLE_SCREENSHOTS when set (docs/screenshots)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from conseiller_app.central import indicators
from conseiller_app.central.web.indicators_view import integer
from tests.central import indicators_site
from tests.central.console_helpers import PASSWORDS
from tests.central.test_console_browser import CHROMEDRIVER, CHROMIUM, _in_ci
from tests.central.webserver import WebServer


@pytest.fixture
def downloads(tmp_path):
    folder = tmp_path / "telechargements"
    folder.mkdir()
    return folder


@pytest.fixture
def chromium(tmp_path, downloads):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if _in_ci():
            pytest.fail("chromium et chromium-driver doivent être installés en CI (.ci/run)")
        pytest.skip("chromium ou chromium-driver absent (apt-get install chromium chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a browser or a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'profil'}", "--lang=fr-FR"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def site(tmp_path):
    central, keys, url, ids = indicators_site.build(tmp_path / "siege")
    server = WebServer(url, keys).start()
    yield central, server, ids
    server.stop()
    central.close()


def _arrived(folder: Path, suffix: str, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"aucun fichier {suffix} téléchargé : {list(folder.iterdir())}")


def test_partner_sees_indicators_downloads_the_bilan_and_is_refused_a_person(chromium, site, downloads, tmp_path):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    central, server, ids = site
    browser = chromium
    wait = WebDriverWait(browser, 60, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path / "captures")
    shots.mkdir(parents=True, exist_ok=True)

    def heading() -> str:
        return browser.find_element(By.TAG_NAME, "h1").text

    browser.get(f"{server.url}/indicateurs")  # anonymous: the login page first
    wait.until(ec.presence_of_element_located((By.ID, "login")))
    browser.find_element(By.ID, "login").send_keys("partenaire")
    browser.find_element(By.ID, "password").send_keys(PASSWORDS["partenaire"])
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(lambda d: heading() == "Tableau de bord")
    browser.find_element(By.LINK_TEXT, "Indicateurs").click()
    wait.until(lambda d: heading() == "Indicateurs de la convention")

    # The figures: the eight indicators, as the consolidation computes them (masked when 1 to 4).
    report = indicators.consolidate(central).report
    cards = browser.find_elements(By.CSS_SELECTOR, "li.carte")
    assert len(cards) == 8
    value = browser.find_element(By.CSS_SELECTOR, "#indicateur-positioned_by_agencies .valeur").text
    n = report.positioned_by_agencies
    assert value == ("< 5" if 0 < n < 5 else integer(n)) and n > 0
    # The first view: the funnel, the trend and the territories, a table under each chart.
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.graphique svg[role=img]")) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "table caption")) >= 3
    page = browser.find_element(By.ID, "contenu").text
    assert "Claire Martin" not in page and "Karim Benali" not in page and "Par conseiller" not in page
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(max(height + 140, 900), 2600))
    shot = shots / "console-indicateurs.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 20000
    browser.set_window_size(1280, 1000)
    # Another breakdown, asked for with a plain link.
    browser.find_element(By.LINK_TEXT, "Par agence d'emploi").click()
    wait.until(lambda d: d.find_elements(By.ID, "repartition-agency"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.graphique svg[role=img]")) == 4
    assert "Les indicateurs par agence d'emploi" in browser.find_element(By.ID, "repartition-agency").text
    assert "Par conseiller" not in browser.find_element(By.ID, "contenu").text

    # A filter, chosen with the keyboard's form controls.
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, "f-territory")).select_by_visible_text("Lens-Liévin")
    browser.find_element(By.CSS_SELECTOR, "form.filtres button[type=submit]").click()
    wait.until(lambda d: "Lens-Liévin" in d.find_element(By.ID, "periode").text)
    lens = indicators.consolidate(central, indicators.parse_filters(central, {"territory": "lens_lievin"})).report
    n = lens.positioned_by_agencies
    value = browser.find_element(By.CSS_SELECTOR, "#indicateur-positioned_by_agencies .valeur").text
    assert value == ("< 5" if 0 < n < 5 else integer(n))

    # The bilan: a PDF arrives, with the convention's partners and the indicators in it.
    browser.find_element(By.ID, "telecharger-bilan").click()
    pdf = _arrived(downloads, ".pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and "Claire" not in pdf.name
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    for partner in ("Département du Pas-de-Calais", "FPETT", "AKTO", "FASTT"):
        assert partner in words, partner
    assert "Taux d'insertion" in words and "Lens-Liévin" in words and "Claire Martin" not in words

    # A person's data: the figures of one device (one conseiller), and the device's page.
    for path in (f"/indicateurs?device={ids['Claire Martin']}", f"/appareils/{ids['Claire Martin']}"):
        browser.get(f"{server.url}{path}")
        wait.until(lambda d: heading() == "Accès refusé")
        assert browser.title.startswith("Erreur 403")
        assert "Claire" not in browser.find_element(By.ID, "contenu").text

"""The console in a real browser: Debian's chromium driven by Selenium through Debian's
chromedriver (nothing downloaded at run time). Log in, approve a quarantined device, resolve a
conflict, publish, log out; screenshots of each page (into $CONSOLE_SCREENSHOTS when set, e.g.
docs/screenshots)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conseiller_app.central import devices, publish
from conseiller_app.central.service import init, set_service_address
from conseiller_app.storage import models as m
from conseiller_app.sync import network
from conseiller_app.sync import service as sync
from tests.central.console_helpers import PASSWORDS, add_staff
from tests.central.webserver import WebServer
from tests.sync.helpers import add_person, add_session, edit, make_vault

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture
def browser(tmp_path):
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
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def site(tmp_path):
    keys = tmp_path / "cles"
    url = f"sqlite:///{tmp_path / 'siege.db'}"
    central = init(url, keys, "Mission Insertion par l'Emploi — Département du Pas-de-Calais")
    add_staff(central, "admin")
    server = WebServer(url, keys)
    set_service_address(keys, server.url)
    server.start()
    yield central, server, keys / "inscription-siege.json"
    server.stop()
    central.close()


def _prepare(central, enrollment, tmp_path):
    """Two approved devices with a conflict on a shared session, and a third one in quarantine."""
    b, c = make_vault(tmp_path / "b", "Karim Benali", "lens_lievin"), make_vault(tmp_path / "c", "Sophie Vasseur")
    for ctx in (b, c):
        sync.enroll(ctx, enrollment)
    session_id = add_session(b, "Information collective — métiers du béton")
    add_person(c, "Lefèvre", "Jérôme")
    for ctx in (b, c):
        network.push(ctx)
    for d in devices.list_devices(central):
        devices.approve(central, d.id)
    publish.publish(central, None)
    for ctx in (b, c):
        network.pull(ctx)
    edit(b, m.AtelierSession, session_id, capacity=15, place="Maison des sociétés, Lens")
    edit(c, m.AtelierSession, session_id, capacity=20)
    for ctx in (b, c):
        network.push(ctx)
    a = make_vault(tmp_path / "a", "Marie Dupont", "arrageois")
    sync.enroll(a, enrollment)
    add_person(a, "N'Diaye", "Awa")
    network.push(a)
    return a, b, c, session_id


def test_console_in_chromium(browser, site, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    central, server, enrollment = site
    a, b, c, session_id = _prepare(central, enrollment, tmp_path)
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path / "captures")
    shots.mkdir(parents=True, exist_ok=True)
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    wait = WebDriverWait(browser, 30, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))

    def shot(name: str) -> None:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1280, min(max(height + 140, 700), 2200))
        path = shots / f"console-{name}.png"
        assert browser.save_screenshot(str(path)) and path.stat().st_size > 5000

    def heading() -> str:
        return browser.find_element(By.TAG_NAME, "h1").text

    browser.get(f"{server.url}/appareils")  # anonymous: sent to the login page
    wait.until(ec.presence_of_element_located((By.ID, "login")))
    assert heading() == "Connexion à la console du siège" and browser.current_url.endswith("/connexion")
    browser.find_element(By.ID, "login").send_keys("admin")
    browser.find_element(By.ID, "password").send_keys("mauvais")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "erreur-connexion")))
    shot("01-connexion")
    browser.find_element(By.ID, "login").clear()
    browser.find_element(By.ID, "login").send_keys("admin")
    browser.find_element(By.ID, "password").send_keys(PASSWORDS["admin"])
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(lambda d: heading() == "Tableau de bord")
    shot("02-tableau-de-bord")

    # Approve the quarantined device (its fingerprint shown to compare by phone).
    browser.find_element(By.LINK_TEXT, "Appareils").click()
    wait.until(lambda d: heading() == "Appareils des conseillers")
    fingerprint = sync.identity(a).fingerprint
    assert fingerprint in browser.find_element(By.ID, "contenu").text
    shot("03-appareils")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label=\"Approuver l'appareil de Marie Dupont\"]").click()
    wait.until(lambda d: "Appareil « Marie Dupont » approuvé" in d.find_element(By.CSS_SELECTOR, "[role=status]").text)
    assert {d.status for d in devices.list_devices(central)} == {"approuve"}

    browser.find_element(By.LINK_TEXT, "Paquets").click()
    wait.until(lambda d: heading() == "Paquets")
    shot("04-paquets")

    # Resolve the conflict: the two versions side by side, keep B.
    browser.find_element(By.LINK_TEXT, "Conflits").click()
    wait.until(lambda d: heading() == "Conflits à trancher")
    assert "(diffère)" in browser.page_source
    shot("05-conflits")
    browser.find_element(By.XPATH, "//button[normalize-space()='Garder la version B']").click()
    wait.until(lambda d: "résolu" in d.find_element(By.CSS_SELECTOR, "[role=status]").text)
    assert "Aucun conflit ouvert." in browser.page_source

    # Publish the reference data (and the resolution) for every approved device.
    browser.find_element(By.LINK_TEXT, "Référentiel").click()
    wait.until(lambda d: heading() == "Données de référence")
    shot("06-referentiel")
    browser.find_element(By.XPATH, "//button[normalize-space()='Publier pour tous les appareils approuvés']").click()
    wait.until(lambda d: "Publication faite pour 3 appareil(s)"
               in d.find_element(By.CSS_SELECTOR, "[role=status]").text)
    kept = []
    for ctx in (a, b, c):
        assert network.pull(ctx).status == "importe"
        with ctx.vault.session() as s:
            kept.append(s.get(m.AtelierSession, session_id).capacity)
    assert len(set(kept)) == 1  # the same version everywhere

    browser.find_element(By.LINK_TEXT, "Journal").click()
    wait.until(lambda d: heading() == "Journal des actions du personnel")
    text = browser.find_element(By.TAG_NAME, "table").text
    for action in ("appareil_approuve", "conflit_resolu", "publication"):
        assert action in text
    shot("07-journal")
    browser.find_element(By.LINK_TEXT, "Comptes").click()
    wait.until(lambda d: heading() == "Comptes de la console")
    shot("08-comptes")

    # Keyboard: the skip link is the first stop and is visible when focused.
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue004")  # Tab
    focused = browser.switch_to.active_element
    assert focused.text == "Aller au contenu"

    browser.find_element(By.XPATH, "//button[normalize-space()='Se déconnecter']").click()
    wait.until(lambda d: d.current_url.endswith("/connexion"))
    browser.get(f"{server.url}/")
    wait.until(lambda d: d.current_url.endswith("/connexion"))
    if os.environ.get("CONSOLE_SCREENSHOTS"):
        shutil.rmtree(tmp_path / "captures", ignore_errors=True)

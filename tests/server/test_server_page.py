"""The lookup page in a real browser: Debian's chromium driven by selenium through chromedriver,
against ``raremap serve`` on 127.0.0.1 (bundled sample). Skips when chromium or chromedriver is
absent (``.ci/run`` installs them). ``RAREMAP_SCREENSHOT=docs/lookup-page.png`` saves the
screenshot the README shows (otherwise it goes to a temporary directory)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("uvicorn", reason="the server extra (uvicorn) is not installed")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (test extra) is not installed")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from server_support import ROOT, running_server  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed ({CHROMIUM} missing; apt-get install chromium)")
    if not CHROMEDRIVER.exists():
        pytest.skip(f"chromedriver is not installed ({CHROMEDRIVER} missing; apt-get install chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager never downloads a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1200,1100", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    with running_server(cache=tmp_path_factory.mktemp("page-cache")) as base:
        browser.get(base + "/")
        yield browser


def search(driver, text: str, disease: str):
    box = driver.find_element(By.ID, "q")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(text)
    wait = WebDriverWait(driver, 20)
    return wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f'.disease[data-disease="{disease}"]'))


def codes_of(card) -> set[str]:
    return {li.get_attribute("data-code") for li in card.find_elements(By.CSS_SELECTOR, ".codes li")}


def test_marfans_syndrom_shows_the_disease_its_codes_and_the_umi_advice(page, tmp_path) -> None:
    card = search(page, "marfans syndrom", "ORPHA:558")
    assert "Marfan syndrome" in card.find_element(By.TAG_NAME, "h2").text
    assert {"ORPHA:558", "ICD10SE:Q87.4", "ICD11:LD28.01", "SCTID:19346006"} <= codes_of(card)
    q874 = card.find_element(By.CSS_SELECTOR, '.codes li[data-code="ICD10SE:Q87.4"]')
    assert "exakt" in q874.text and "orphanet-product1" in q874.text
    advice = card.find_element(By.CSS_SELECTOR, ".umi")
    assert "Behöver UMI-kodning: nej" in advice.text
    assert "ICD-10-SE Q87.4 identifierar diagnosen" in advice.text
    # the ICD-10-SE hit is shown under its disease, not as a card of its own
    assert not page.find_elements(By.CSS_SELECTOR, '.disease[data-disease="ICD10SE:Q87.4"]')
    shot = Path(os.environ.get("RAREMAP_SCREENSHOT", "") or tmp_path / "lookup-page.png")
    if not shot.is_absolute():
        shot = ROOT / shot
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert page.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_tuberos_skleros_typed_without_diacritics(page) -> None:
    card = search(page, "tuberos skleros", "ORPHA:805")
    assert "Tuberous sclerosis complex" in card.text
    assert "ICD10SE:Q85.1" in codes_of(card)
    assert "Tuberös skleros" in card.text  # the Swedish name as written, å/ä/ö kept
    assert "UMI" in card.find_element(By.CSS_SELECTOR, ".umi").text


def test_keyboard_navigation_labels_and_copy_buttons(page) -> None:
    search(page, "marfan", "ORPHA:558")
    box = page.find_element(By.ID, "q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "true"
    assert page.find_element(By.CSS_SELECTOR, 'label[for="q"]').text
    box.send_keys(Keys.ARROW_DOWN)
    first = page.find_elements(By.CSS_SELECTOR, '[role="option"]')[0]
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.send_keys(Keys.ENTER)
    focused = page.switch_to.active_element
    assert "copy" in focused.get_attribute("class") and focused.get_attribute("aria-label").startswith("Kopiera")
    focused.send_keys(Keys.ENTER)
    WebDriverWait(page, 5).until(lambda d: d.switch_to.active_element.text == "Kopierad")
    assert page.find_element(By.ID, "status").get_attribute("role") == "status"


def test_english_switch(page) -> None:
    page.find_element(By.ID, "lang").click()
    WebDriverWait(page, 5).until(lambda d: d.find_element(By.ID, "title").text == "Find rare diagnoses")
    card = search(page, "marfans syndrom", "ORPHA:558")
    WebDriverWait(page, 10).until(lambda d: "Needs attention coding: no" in card.find_element(By.CSS_SELECTOR, ".umi").text)
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    page.find_element(By.ID, "lang").click()
    WebDriverWait(page, 5).until(lambda d: d.find_element(By.ID, "title").text == "Sök sällsynta diagnoser")


def test_page_loads_nothing_from_elsewhere(page) -> None:
    sources = [e.get_attribute("src") or e.get_attribute("href") for e in
               page.find_elements(By.CSS_SELECTOR, "script, link, img")]
    base = page.current_url.rstrip("/")
    assert sources and all(s.startswith(base) for s in sources)

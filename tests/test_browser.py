"""The site in a real headless Chromium (Debian's chromium + chromium-driver, no download)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from test_site import build_site_db, fact_id, running_site

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def site(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    db = build_site_db(shared, tmp_path_factory.mktemp("browser-site"))
    with running_site(db, db.parent / "serve.log") as base:
        yield base, db


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("install Debian's chromium and chromium-driver (see .ci/run)")
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager fetch a browser
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--window-size=1200,1000",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_fact_page_shows_the_highlighted_number(site: tuple[str, Path], browser,
                                                tmp_path: Path) -> None:
    base, db = site
    fid, _ = fact_id(db, "000_d8bad9d0d0e49645.txt", "coverage_rate", "Xuân Lộc")
    browser.get(f"{base}/bhyt/facts/{fid}")
    mark = browser.find_element(By.CSS_SELECTOR, ".col-evidence mark")
    assert mark.text == "72,49%"
    assert mark.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    link = browser.find_element(By.CSS_SELECTOR, ".col-article_id a")
    assert link.text == "000_d8bad9d0d0e49645.txt"
    browser.save_screenshot(str(tmp_path / "fact.png"))
    link.click()
    assert "Xuân Lộc" in browser.find_element(By.CSS_SELECTOR, "td.col-text").text


def test_chart_of_a_locality_renders(site: tuple[str, Path], browser, tmp_path: Path) -> None:
    base, _ = site
    place = {"locality": "Mỹ Tú", "unit": "huyện", "province": "Sóc Trăng"}
    browser.get(f"{base}/bhyt/-/chart?{urlencode(place, quote_via=quote)}")
    svg = browser.find_element(By.CSS_SELECTOR, "svg.bhyt-chart")
    assert svg.size["width"] > 300 and svg.size["height"] > 150
    assert len(svg.find_elements(By.CSS_SELECTOR, "circle.coverage_rate")) >= 2
    assert svg.find_element(By.CSS_SELECTOR, "polyline.coverage").is_displayed()
    assert "Mỹ Tú" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(tmp_path / "chart.png"))


# Elements or attributes that would run code if the article's markup had been let through.
ACTIVE = ("script:not([src]), [onerror], [onload], img[src='x'], svg[onload], "
          "a[href^='javascript:' i]")
HOSTILE_TEXT = ("<script>alert(1)</script>", "<img src=x onerror=", "<a href=\"javascript:")


def assert_shown_as_text_and_inert(browser, what: str, shown_in: str) -> None:
    """No hostile element in the DOM, nothing it would run has run, and its markup shows as text."""
    time.sleep(0.2)  # an <img onerror> would fire just after load
    assert browser.execute_script("return window.pwned") is None, what
    scripts = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.outerHTML)", ACTIVE)
    # Datasette's own inline scripts stay; none may carry the article's payloads.
    assert not [s for s in scripts if "pwned" in s or "alert(" in s or not s.startswith("<script")], \
        (what, scripts)
    text = browser.find_element(By.CSS_SELECTOR, shown_in).text
    assert all(h in text for h in HOSTILE_TEXT), (what, text)


def test_hostile_article_text_runs_no_script(site: tuple[str, Path], browser) -> None:
    base, db = site
    fid, article = fact_id(db, "zz_xss.txt", "coverage_rate", "Thử <b>Nghiệm</b>")
    pages = {
        "fact page": (f"/bhyt/facts/{fid}", ".col-evidence"),
        "facts table": ("/bhyt/facts?" + urlencode({"source": "zz_xss.txt"}), "td.col-evidence"),
        "article page": (f"/bhyt/articles/{article}", "td.col-text"),
        "search results": ("/bhyt/articles?" + urlencode({"_search": "thử nghiệm pwned"}), "td.col-text"),
    }
    for what, (path, shown_in) in pages.items():
        browser.get(base + path)
        assert_shown_as_text_and_inert(browser, what, shown_in)
    # The highlighted evidence: only the number is marked, the markup around it is text.
    browser.get(f"{base}/bhyt/facts/{fid}")
    assert [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".col-evidence mark")] == ["88,5%"]
    assert browser.find_elements(By.CSS_SELECTOR, ".col-evidence *:not(mark)") == []

"""The demo in a real browser: log in with the password the demo printed, then open every page
of the navigation on the demo's own data. With O2C_SCREENSHOTS=DIR each page is saved there as
a PNG (the README's pictures come from this test: O2C_SCREENSHOTS=docs/console)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.console.test_browser import CHROMIUM, sync_api
from tests.e2e.test_demo import Site

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``o2c-hub demo`` in a site on free ports, once its day is played; its console password."""
    site = Site(tmp_path_factory.mktemp("demo-console") / "site")
    out = site.dir / "demo.out"
    with out.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "hub", "demo"], stdout=sink,
                                   stderr=subprocess.STDOUT, env=site.env, cwd=site.dir)
    try:
        deadline = time.monotonic() + 300
        while "The hub keeps running" not in out.read_text():
            assert process.poll() is None and time.monotonic() < deadline, out.read_text()[-3000:]
            time.sleep(0.5)
        site.password = re.search(r"log in as admin, password (\S+);", out.read_text()).group(1)
        yield site
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_the_demo_logs_you_in_and_every_page_opens(demo):
    shots = Path(os.environ["O2C_SCREENSHOTS"]) if os.environ.get("O2C_SCREENSHOTS") else None
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
        page.set_default_timeout(30_000)
        page.goto(demo.url + "/")
        page.fill("input[name=name]", "admin")
        page.fill("input[name=password]", demo.password)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/runs/")
        links = [(a.inner_text(), a.get_attribute("href")) for a in page.locator("nav a").all()]
        pages = [(name, href) for name, href in links if href.startswith("/console/") and "logout" not in href]
        assert len(pages) >= 2, links
        for name, href in pages:
            answer = page.goto(demo.url + href)
            assert answer.status == 200, (name, href, answer.status)
            assert page.locator("h1").count() >= 1, (name, href)
            if shots:
                shots.mkdir(parents=True, exist_ok=True)
                slug = href.strip("/").split("/")[-1] or "console"
                page.screenshot(path=str(shots / f"{slug}.png"), full_page=False)
        page.goto(demo.url + "/console/runs/1")
        assert "shopify" in page.content() or "salesforce" in page.content()
        browser.close()

"""Save a PNG of each main page of the stewardship UI with demo data, for the README.

Run by `make screenshots`. Sets up a scratch embedded hub (SQLite in a temporary data dir),
loads the demo data with `manage.py demo --no-serve`, starts `manage.py runserver` on a free
port, logs in through the login page with headless Chromium and writes docs/screenshots/*.png.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the hub did not answer on {url}")


def shoot(page: Page, base: str, path: str, name: str) -> None:
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"  {name}.png  {path}")


def follow_first(page: Page, base: str, list_path: str, selector: str) -> str | None:
    """The href of the first matching link on a list page, to show a detail page with real data."""
    page.goto(base + list_path)
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def take_all(base: str, password: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(base + "/accounts/login/")
        page.screenshot(path=str(OUT / "login.png"))
        page.get_by_label("Username").fill("steward")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(base + "/")

        shoot(page, base, "/", "dashboard")
        shoot(page, base, "/review/", "review-queue")
        task = follow_first(page, base, "/review/", "#results a[href^='/review/']")
        if task:
            shoot(page, base, task, "review-compare")
        golden = follow_first(page, base, "/search/?entity=product&q=a", "#results a[href^='/golden/']")
        if golden:
            shoot(page, base, golden, "golden-record")
        supplier = follow_first(page, base, "/search/?entity=supplier", "#results a[href^='/golden/']")
        if supplier:
            shoot(page, base, supplier, "golden-supplier")
        shoot(page, base, "/quarantine/", "quarantine")
        record = follow_first(page, base, "/quarantine/", "#results a[href^='/quarantine/']")
        if record:
            shoot(page, base, record, "quarantine-fix")
        shoot(page, base, "/targets/", "sync")
        target = follow_first(page, base, "/targets/", "a[href^='/targets/']:not([href='/targets/'])")
        if target:
            shoot(page, base, target, "sync-target")
        shoot(page, base, "/history/", "history")
        as_of = follow_first(page, base, "/history/", "#results a[href*='/as-of/']")
        if as_of:
            shoot(page, base, as_of, "golden-as-of")
        shoot(page, base, "/search/?q=steel", "search")
        browser.close()


def main() -> None:
    password = os.environ.get("DEMO_PASSWORD", "demo")
    with tempfile.TemporaryDirectory(prefix="rosetta-shots-") as data_dir:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
        env.update(ROSETTA_DATA_DIR=data_dir, DEMO_PASSWORD=password, SYNC_ALLOW_PRIVATE_TARGETS="1")
        manage = [sys.executable, str(REPO / "manage.py")]
        print("loading demo data into a scratch hub ...")
        subprocess.run([*manage, "demo", "--no-serve"], env=env, cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        server = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/healthz")
            print(f"screenshots into {OUT.relative_to(REPO)}/:")
            take_all(base, password)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()

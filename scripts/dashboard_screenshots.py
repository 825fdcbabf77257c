"""Screenshots of the dashboards for the README, on the demo data.

    .venv/bin/python scripts/dashboard_screenshots.py [--database-url URL] [--keep] [--full-page]

Builds a throw-away SQLite database (or uses ``--database-url`` as it is, if it already holds the
demo data), loads ``seed_demo`` (units, procedures, 5,000 dossiers, their statistics and the
emulation scores), serves the site with ``runserver`` and saves, at 1366×900 in Vietnamese:

* docs/screenshots/unit-dashboard.png: the head of the Drug Administration (truong.qld);
* docs/screenshots/ministry-dashboard.png: the ministry office (vanphong).

Needs Debian's Chromium at /usr/bin/chromium and Playwright (requirements/dev.txt).
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
OUTPUT = ROOT / "docs" / "screenshots"
PASSWORD = "tthc@2026"  # seed_demo's demo logins
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SHOTS = [
    ("truong.qld", "/dashboards/units/QLD/?period=quarter", "unit-dashboard.png"),
    ("vanphong", "/dashboards/ministry/?period=quarter", "ministry-dashboard.png"),
]


def manage(*arguments: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: int = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def shoot(base_url: str, *, full_page: bool) -> None:
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for username, path, filename in SHOTS:
            # Reduced motion: dashboards.js then draws the charts without their entry animation.
            context = browser.new_context(
                viewport={"width": 1366, "height": 900}, locale="vi-VN", reduced_motion="reduce"
            )
            page = context.new_page()
            page.goto(f"{base_url}/accounts/login/?next={quote(path, safe='/')}")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/accounts/login/'] button[type=submit]")
            page.wait_for_url(f"**{path.split('?')[0]}**")
            page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart')")
            page.screenshot(path=str(OUTPUT / filename), full_page=full_page)
            print(f"saved {OUTPUT / filename}")
            context.close()
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="use this database as it is (it must hold the demo data)")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database and print its path")
    parser.add_argument("--full-page", action="store_true", help="capture the whole page, not only 1366×900")
    arguments = parser.parse_args()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "true"}
    env.pop("REDIS_URL", None)
    workdir = tempfile.mkdtemp(prefix="tthc-screens-")
    if arguments.database_url:
        env["DATABASE_URL"] = arguments.database_url
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir}/db.sqlite3"
        manage("migrate", "--no-input", "-v", "0", env=env)
        manage("seed_demo", env=env)  # also scores the demo emulation years

    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for(f"{base_url}/accounts/login/")
        shoot(base_url, full_page=arguments.full_page)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if arguments.keep:
        print(f"database kept: {env['DATABASE_URL']}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Screenshots of the applicant's side for the README, on the demo data.

    .venv/bin/python scripts/applicant_screenshots.py [--keep]

Builds a throw-away SQLite database with the demo catalogue and 200 demo dossiers, receives one
more dossier at the Drug Administration's desk (an applicant with an e-mail address and a phone),
resolves it, and lets its applicant send feedback; serves the site with ``runserver`` and saves,
in Vietnamese:

* docs/screenshots/public-status-phone.png: its public status page on a phone (360 px), opened
  from the receipt's QR link;
* docs/screenshots/notification.png: the e-mail "the result is ready" on the staff page of
  messages, as the Drug Administration's officer (canbo.qld) sees it.

Needs Debian's Chromium at /usr/bin/chromium and Playwright (requirements/dev.txt).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_screenshots import CHROMIUM_ARGS, OUTPUT, PASSWORD, PYTHON, ROOT, free_port, manage, wait_for  # noqa: E402

# Runs inside `manage.py shell`: one dossier through the services, as the desk and the applicant would.
MAKE_DOSSIER = """
import datetime
from django.utils import timezone
from dossiers import services
from dossiers.selectors import lookup_path
from notifications.models import Message
from procedures.models import Procedure
from django.contrib.auth import get_user_model

officer = get_user_model().objects.get(username="canbo.qld")
now = timezone.now()
procedure = (
    Procedure.objects.in_force_on(timezone.localdate() - datetime.timedelta(days=6))
    .filter(unit__code="QLD").order_by("code").first()
)
dossier = services.dossier_receive(
    procedure=procedure,
    channel="in_person",
    applicant=services.Applicant(name="Nguyễn Thị Hoa", email="hoa.nguyen@example.vn", phone="0912345678"),
    by=officer,
    received_at=now - datetime.timedelta(days=6),
)
services.dossier_request_supplement(
    dossier=dossier, by=officer, note="Bản sao chứng thực Giấy chứng nhận đủ điều kiện kinh doanh dược",
    at=now - datetime.timedelta(days=5),
)
services.dossier_receive_supplement(dossier=dossier, by=officer, at=now - datetime.timedelta(days=3))
services.dossier_end(dossier=dossier, by=officer, outcome="resolved", at=now - datetime.timedelta(hours=2))
message = Message.objects.get(reference=dossier.code, kind="dossier_ended", channel="email")
print("LOOKUP", lookup_path(dossier))
print("MESSAGE", message.pk)
"""


def shoot(base_url: str, lookup: str, message_id: str) -> None:
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        phone = browser.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="vi-VN",
        )
        page = phone.new_page()
        page.goto(base_url + lookup)
        page.screenshot(path=str(OUTPUT / "public-status-phone.png"), full_page=True)
        print(f"saved {OUTPUT / 'public-status-phone.png'}")
        phone.close()

        laptop = browser.new_context(viewport={"width": 1366, "height": 820}, locale="vi-VN")
        page = laptop.new_page()
        path = f"/notifications/{message_id}/"
        page.goto(f"{base_url}/accounts/login/?next={path}")
        page.fill("input[name=username]", "canbo.qld")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/accounts/login/'] button[type=submit]")
        page.wait_for_url(f"**{path}")
        page.screenshot(path=str(OUTPUT / "notification.png"))
        print(f"saved {OUTPUT / 'notification.png'}")
        laptop.close()
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database and print its path")
    arguments = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tthc-applicant-screens-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
        # The messages are written to the outbox and sent by the console backend.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    env.pop("REDIS_URL", None)
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("seed_demo", "--dossiers", "200", env=env)
    made = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", MAKE_DOSSIER],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    values = dict(line.split(" ", 1) for line in made.splitlines() if line.startswith(("LOOKUP", "MESSAGE")))

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
        shoot(base_url, values["LOOKUP"], values["MESSAGE"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    if arguments.keep:
        print(f"database kept: {env['DATABASE_URL']}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

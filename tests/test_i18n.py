"""Vietnamese first, English on request, and a Vietnamese translation for every message."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_login_page_is_in_vietnamese_by_default(client):
    page = client.get("/accounts/login/").content.decode()

    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page
    # A project message (Django's own catalogue would not have it): the catalogue is compiled and loaded.
    assert "Theo dõi giải quyết thủ tục hành chính theo thời hạn quy định" in page


def test_login_page_is_in_english_after_switching_language(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"

    page = client.get("/accounts/login/").content.decode()

    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Đăng nhập" not in page
    assert "Tracking administrative procedures against their statutory deadlines" in page


def test_language_switch_sticks_for_a_logged_in_user(client, officer_a):
    client.force_login(officer_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get("/").content.decode()

    assert "Your roles" in page


def test_every_message_has_a_vietnamese_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="vi")

    untranslated = [message.id for message in catalogue if message.id and not message.string]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    plural_gaps = [
        message.id
        for message in catalogue
        if message.id and message.pluralizable and not all(message.string)
    ]  # fmt: skip
    assert untranslated == []
    assert fuzzy == []
    assert plural_gaps == []


def test_translations_keep_their_placeholders():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="vi")

    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalogue.check() if errors]

    assert problems == []


@pytest.mark.django_db
class TestVietnameseFirst:
    def test_an_english_browser_still_gets_vietnamese_pages(self, client):
        response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        assert "Đăng nhập" in response.content.decode()

    def test_the_switcher_cookie_gives_english(self, client):
        client.cookies["django_language"] = "en"
        response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="vi")
        assert "Log in" in response.content.decode()

    def test_api_clients_get_their_accept_language(self, client):
        response = client.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code in (401, 403)
        assert "Authentication credentials were not provided." in response.content.decode()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_catalogue_is_well_formed(language):
    # A union merge once left three English entries without their msgstr line: Babel then skipped
    # them with a warning and the English interface lost them. Parsing strictly catches it.
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        read_po(handle, locale=language, abort_invalid=True)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_message_is_defined_twice(language):
    # Branches merged with the union driver can add the same message twice, each with its own
    # translation: Babel then keeps one silently and GNU msgfmt refuses the file.
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    seen, twice = set(), []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        key, reading = [], False
        for line in block.splitlines():
            if line.startswith(("msgctxt ", "msgid ")):
                reading = True
            elif line.startswith(("msgstr", "msgid_plural")):
                break
            if reading and not line.startswith("#"):
                key.append(line)
        key = "\n".join(key)
        if not key or key == 'msgid ""':  # the header
            continue
        if key in seen:
            twice.append(key)
        seen.add(key)
    assert twice == []


def test_a_bad_whole_number_is_reported_in_plain_vietnamese(client, office_staff):
    client.force_login(office_staff)

    response = client.post("/emulation/", {"year": "hai nghìn"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nhập một số nguyên." in page
    assert "tổng thể" not in page  # Django's own Vietnamese ("a total number")


def test_a_bad_whole_number_is_reported_in_english_on_request(client, office_staff):
    client.force_login(office_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post("/emulation/", {"year": "two thousand"})

    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()

"""Issue 14, item 10: wrong passwords are throttled by account and client, on the page and the API."""

import pytest
from django.test import override_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
PASSWORD = "Đúng-mật-khẩu-2025"


@pytest.fixture
def officer():
    user = UserFactory(username="can_bo")
    user.set_password(PASSWORD)
    user.save()
    return user


def token(api_client, password, address="198.51.100.7"):
    return api_client.post(TOKEN_URL, {"username": "can_bo", "password": password}, format="json", REMOTE_ADDR=address)


def test_thirty_wrong_passwords_then_the_right_one_gets_no_token(api_client, officer):
    answers = [token(api_client, f"sai-{attempt}").status_code for attempt in range(30)]
    assert answers[:4] == [400] * 4  # wrong password, said as such
    assert set(answers[5:]) == {429}  # from the fifth failure on: refused before checking
    right = token(api_client, PASSWORD)
    assert right.status_code == 429
    assert "token" not in right.json()
    assert right.json()["code"] == "throttled"
    assert int(right["Retry-After"]) == 15 * 60


def test_the_lock_holds_one_account_from_one_client_only(api_client, officer):
    for attempt in range(5):
        token(api_client, f"sai-{attempt}")
    assert token(api_client, PASSWORD).status_code == 429
    # The officer at another office (another address) still gets in.
    assert token(api_client, PASSWORD, address="203.0.113.20").status_code == 201


def test_a_right_password_before_the_limit_clears_the_count(api_client, officer):
    for _round in range(3):
        for attempt in range(4):
            assert token(api_client, f"sai-{attempt}").status_code == 400
        assert token(api_client, PASSWORD).status_code == 201


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_login_page_is_throttled_too(client, officer):
    for attempt in range(3):
        client.post(LOGIN_URL, {"username": "can_bo", "password": f"sai-{attempt}"}, REMOTE_ADDR="198.51.100.7")
    locked = client.post(
        LOGIN_URL, {"username": "can_bo", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert 'data-testid="lockout"' in locked.content.decode()
    # The right password from another address logs in.
    assert (
        client.post(LOGIN_URL, {"username": "can_bo", "password": PASSWORD}, REMOTE_ADDR="203.0.113.20").status_code
        == 302
    )

"""Getting in: the password-for-token exchange and ``Authorization: Token <key>``."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.factories import UserFactory, make_token
from units.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
UNITS_URL = "/api/v1/units/"


@pytest.fixture(autouse=True)
def _english(api_client):
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


class TestTokenExchange:
    @time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    def test_right_password_gives_a_token_with_the_users_rights_valid_30_days(self, api_client, officer_a):
        response = api_client.post(TOKEN_URL, {"username": "officer_a", "password": "secret-pass-123"})

        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"token", "expires_at"}
        assert body["expires_at"] == "2026-04-01T16:00:00+07:00"
        token = ApiToken.objects.get()
        assert token.user == officer_a
        assert token.inherit_user_scope is True
        assert token.scopes == []
        assert token.name == "auth/token"
        assert token.expires_at == datetime.datetime(2026, 4, 1, 9, 0, tzinfo=datetime.UTC)
        # Only the hash is stored: the key itself is nowhere in the database.
        assert ApiToken.objects.for_key(body["token"]).get() == token
        assert token.key_hash != body["token"]

    def test_the_token_can_be_named(self, api_client, officer_a):
        response = api_client.post(
            TOKEN_URL, {"username": "officer_a", "password": "secret-pass-123", "name": "nightly export"}
        )

        assert response.status_code == 201
        assert ApiToken.objects.get().name == "nightly export"

    def test_wrong_password_is_refused_with_a_message_and_no_token(self, api_client, officer_a):
        response = api_client.post(TOKEN_URL, {"username": "officer_a", "password": "wrong"})

        assert response.status_code == 400
        assert response.json()["errors"] == {"non_field_errors": ["The username or password is wrong."]}
        assert ApiToken.objects.count() == 0

    def test_unknown_user_gets_the_same_message(self, api_client, db):
        response = api_client.post(TOKEN_URL, {"username": "nobody", "password": "secret-pass-123"})

        assert response.status_code == 400
        assert response.json()["errors"] == {"non_field_errors": ["The username or password is wrong."]}

    def test_inactive_user_gets_no_token(self, api_client, officer_a):
        officer_a.is_active = False
        officer_a.save()

        response = api_client.post(TOKEN_URL, {"username": "officer_a", "password": "secret-pass-123"})

        assert response.status_code == 400
        assert ApiToken.objects.count() == 0

    def test_missing_fields_are_named(self, api_client, db):
        response = api_client.post(TOKEN_URL, {})

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "username": ["This field is required."],
            "password": ["This field is required."],
        }

    def test_exchanged_token_then_reads_the_api(self, api_client, officer_a):
        key = api_client.post(TOKEN_URL, {"username": "officer_a", "password": "secret-pass-123"}).json()["token"]

        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = api_client.get(UNITS_URL)

        assert response.status_code == 200
        assert [unit["code"] for unit in response.json()["results"]] == ["BYT", "QLD"]


class TestTokenAuthentication:
    @pytest.fixture
    def portal(self, db):
        return UserFactory(username="portal")

    def test_a_valid_token_authenticates_and_records_its_use(self, api_client, portal, unit_a):
        token, key = make_token(user=portal, units=[unit_a])

        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = api_client.get(f"{UNITS_URL}QLD/")

        assert response.status_code == 200
        assert response.json()["code"] == "QLD"
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_a_revoked_token_is_refused(self, api_client, portal, unit_a):
        _token, key = make_token(user=portal, units=[unit_a], revoked_at=timezone.now())

        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = api_client.get(UNITS_URL)

        assert response.status_code == 401
        assert response.json()["detail"] == "Invalid, expired or revoked token."

    def test_an_expired_token_is_refused(self, api_client, portal, unit_a):
        _token, key = make_token(user=portal, units=[unit_a], expires_at=timezone.now() - datetime.timedelta(seconds=1))

        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = api_client.get(UNITS_URL)

        assert response.status_code == 401
        assert response.json()["detail"] == "Invalid, expired or revoked token."

    def test_a_made_up_token_is_refused(self, api_client, db):
        api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

        assert api_client.get(UNITS_URL).status_code == 401

    def test_a_token_of_an_inactive_user_is_refused(self, api_client, portal, unit_a):
        _token, key = make_token(user=portal, units=[unit_a])
        portal.is_active = False
        portal.save()

        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = api_client.get(UNITS_URL)

        assert response.status_code == 401
        assert response.json()["detail"] == "The token's user is inactive."

    def test_anonymous_reads_are_refused(self, api_client, unit_a):
        response = api_client.get(UNITS_URL)

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"

    def test_a_user_with_no_unit_cannot_read(self, client_for, db):
        response = client_for(UserFactory(username="nobody")).get(UNITS_URL)

        assert response.status_code == 403

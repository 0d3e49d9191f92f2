"""The public pages: health check and accessibility statement."""

from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from samverkan.access.tests.factories import UserFactory


@pytest.mark.django_db
def test_healthz_tells_an_anonymous_caller_only_up() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_tells_an_anonymous_caller_only_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr("samverkan.core.views.connection.cursor", broken_cursor)

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


@pytest.mark.django_db
def test_healthz_gives_details_to_a_signed_in_user() -> None:
    client = Client()
    client.force_login(UserFactory())

    response = client.get("/healthz")

    assert response.json() == {"status": "ok", "database": "ok", "vendor": connection.vendor}


@pytest.mark.django_db
def test_healthz_gives_details_of_a_down_database_to_the_token_alone(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.SAMVERKAN_HEALTHZ_TOKEN = "monitor-token-123"

    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr("samverkan.core.views.connection.cursor", broken_cursor)

    with_token = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer monitor-token-123")
    without = Client().get("/healthz")

    assert (with_token.status_code, without.status_code) == (503, 503)
    assert with_token.json() == {"status": "unavailable", "database": "down"}
    assert without.json() == {"status": "unavailable"}


@pytest.mark.django_db
def test_healthz_gives_details_only_for_the_right_token(settings: Any) -> None:
    settings.SAMVERKAN_HEALTHZ_TOKEN = "monitor-token-123"

    right = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer monitor-token-123")
    wrong = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer monitor-token-124")

    assert right.json()["vendor"] == connection.vendor
    assert wrong.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_without_a_configured_token_accepts_none(settings: Any) -> None:
    settings.SAMVERKAN_HEALTHZ_TOKEN = ""

    response = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer ")

    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_accessibility_statement_is_public_and_in_swedish() -> None:
    response = Client().get("/tillganglighet/")

    assert response.status_code == 200
    assert "Tillgänglighetsredogörelse" in response.content.decode()
    assert "2018:1937" in response.content.decode()


@pytest.mark.django_db
def test_pages_require_login() -> None:
    response = Client().get("/organisation/")

    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/")


@pytest.mark.django_db
def test_responses_carry_a_strict_content_security_policy() -> None:
    response = Client().get("/logga-in/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_an_english_browser_still_gets_swedish() -> None:
    response = Client(headers={"accept-language": "en-GB,en;q=0.9"}).get("/logga-in/")

    assert '<html lang="sv"' in response.content.decode()


@pytest.mark.django_db
def test_the_language_switch_chooses_english() -> None:
    client = Client()

    client.post("/sprak/", {"language": "en", "next": "/logga-in/"})
    response = client.get("/logga-in/")

    assert '<html lang="en"' in response.content.decode()

"""The public pages: health check and accessibility statement."""

import pytest
from django.db import DatabaseError
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_200_with_database_status() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr("samverkan.core.views.connection.cursor", broken_cursor)

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


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

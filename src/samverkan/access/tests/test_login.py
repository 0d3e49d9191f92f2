"""Signing in and out, the lockout after repeated wrong passwords, the idle timeout, and the
start page each role lands on."""

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from samverkan.access import throttle
from samverkan.access.tests.factories import UserFactory
from samverkan.access.tests.test_throttle import age_attempts

PASSWORD = "test-password-123"  # access/tests/factories.py


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in_user(client: Client) -> Any:
    return client.get(reverse("start")).wsgi_request.user


def test_the_login_page_is_in_swedish(client: Client, db: None) -> None:
    response = client.get(reverse("login"))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv"' in page
    assert "Logga in" in page
    assert "Användarnamn" in page
    assert "Lösenord" in page


def test_signing_in_with_the_right_password_lands_on_the_start_page(
    client: Client, world: Any
) -> None:
    response = sign_in(client, "rektor", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("start")
    assert signed_in_user(client) == world.users["principal"]


def test_a_wrong_password_is_explained_in_swedish(client: Client, world: Any) -> None:
    response = sign_in(client, "rektor", "fel-losenord")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Fel användarnamn eller lösenord." in page
    assert "Efter tio misslyckade försök låses kontot" in page
    assert 'value="rektor"' in page
    assert not signed_in_user(client).is_authenticated


def test_empty_fields_are_explained_in_swedish(client: Client, db: None) -> None:
    response = sign_in(client, "", "")

    page = response.content.decode()
    assert "Ange ditt användarnamn." in page
    assert "Ange ditt lösenord." in page


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_one(
    client: Client, world: Any
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "rektor", "fel-losenord")
        age_attempts(throttle.PER_USERNAME.cap)  # past the growing delay (test_throttle)

    response = sign_in(client, "rektor", PASSWORD)

    assert response.status_code == 429
    assert "Kontot är tillfälligt låst" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_nine_wrong_passwords_do_not_lock_the_account(client: Client, world: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "rektor", "fel-losenord")
        age_attempts(throttle.PER_USERNAME.cap)

    response = sign_in(client, "rektor", PASSWORD)

    assert response.status_code == 302
    assert signed_in_user(client) == world.users["principal"]


def test_a_locked_account_does_not_lock_a_colleague(client: Client, world: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "rektor", "fel-losenord")
        age_attempts(throttle.PER_ADDRESS.cap)

    response = sign_in(client, "larare", PASSWORD)

    assert response.status_code == 302
    assert signed_in_user(client) == world.users["teacher"]


def test_logout_by_post_ends_the_session(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not signed_in_user(client).is_authenticated


def test_logout_by_get_is_refused(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert signed_in_user(client).is_authenticated


def _idle(client: Client, seconds: int) -> None:
    session = client.session
    session["last_seen"] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_is_signed_out_and_told_why(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])
    client.get(reverse("start"))
    _idle(client, settings.SESSION_IDLE_TIMEOUT + 60)

    response = client.get(reverse("children:search"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?timeout=1"
    assert not signed_in_user(client).is_authenticated
    login_page = client.get(response["Location"]).content.decode()
    assert "inte har varit aktiv" in login_page


def test_a_session_active_within_the_timeout_stays_signed_in(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])
    client.get(reverse("start"))
    _idle(client, settings.SESSION_IDLE_TIMEOUT - 60)

    response = client.get(reverse("children:search"))

    assert response.status_code == 200


# The start page each role lands on.


def test_the_principal_sees_the_named_social_services_contact(client: Client, world: Any) -> None:
    contact = world.users["intake"]
    client.force_login(world.users["principal"])

    response = client.get(reverse("start"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Din kontakt i socialtjänsten" in page
    assert "Ekskolan" in page
    assert contact.get_full_name() in page
    assert contact.phone in page
    assert contact.email in page


def test_a_school_without_a_named_contact_says_so(client: Client, world: Any) -> None:
    client.force_login(world.users["principal2"])

    response = client.get(reverse("start"))

    page = response.content.decode()
    assert "Björkskolan" in page
    assert "Ingen utsedd" in page


def test_the_team_worker_sees_the_caseload_with_masked_numbers(client: Client, world: Any) -> None:
    client.force_login(world.users["team_worker"])

    response = client.get(reverse("start"))

    page = response.content.decode()
    number = world.child1.identity_number
    assert "Barn i ditt teams ärenden" in page
    assert "Ella Andersson" in page
    assert f"{number[:8]}-XXXX" in page
    assert number not in page
    assert "Olle Berg" not in page
    assert "Din kontakt i socialtjänsten" not in page


def test_intake_is_told_its_search_covers_the_municipality(client: Client, world: Any) -> None:
    client.force_login(world.users["intake"])

    response = client.get(reverse("start"))

    page = response.content.decode()
    assert "Hitta ett barn" in page
    assert "alla barn i kommunen" in page
    assert "Barn i ditt teams ärenden" not in page


@pytest.mark.parametrize("user", ["steering", "admin", "log_reviewer"])
def test_governance_roles_land_on_a_page_without_child_data(
    client: Client, world: Any, user: str
) -> None:
    client.force_login(world.users[user])

    response = client.get(reverse("start"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Din roll ger inte tillgång till uppgifter om enskilda barn." in page
    assert "Hitta ett barn" not in page
    assert "Ella" not in page


def test_only_the_log_reviewer_is_offered_the_log(client: Client, world: Any) -> None:
    client.force_login(world.users["log_reviewer"])
    reviewer = client.get(reverse("start")).content.decode()
    client.force_login(world.users["admin"])
    admin = client.get(reverse("start")).content.decode()

    assert reverse("audit:list") in reviewer
    assert reverse("audit:list") not in admin


def test_a_user_without_a_tenant_is_refused_the_start_page(client: Client, db: None) -> None:
    user = UserFactory(municipality=None)
    client.force_login(user)

    response = client.get(reverse("start"))

    assert response.status_code == 403
    assert "Ditt konto har ingen roll" in response.content.decode()

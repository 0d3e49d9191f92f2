"""Issue 17, finding 3: lockout that slows guessing without locking out a school.

axes locks a username from one address after ten failures; beside that, growing delays per
username across addresses and per address across usernames; an administrator unlocks, logged.
"""

import datetime
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from samverkan.access import throttle
from samverkan.access.tests.factories import UserFactory
from samverkan.audit.models import AuditEvent

PASSWORD = "test-password-123"
WAIT = "För många misslyckade inloggningar"


def sign_in(username: str, password: str, address: str) -> Any:
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


def age_attempts(seconds: int) -> None:
    """Let time pass for the delays: move every recorded failure back."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= datetime.timedelta(seconds=seconds)
        attempt.save(update_fields=["attempt_time"])


def test_the_delay_grows_and_has_a_cap() -> None:
    rule = throttle.Rule(free=3, cap=300)
    delays = [throttle.delay_after(n, rule) for n in range(12)]

    assert delays[:3] == [0, 0, 0]
    assert delays[3:7] == [2, 4, 8, 16]
    assert max(delays) == 300


def test_one_password_against_many_usernames_from_one_address_is_slowed(db: None) -> None:
    users = [UserFactory(username=f"elev{i}") for i in range(8)]
    for user in users[: throttle.PER_ADDRESS.free]:
        assert sign_in(user.username, "Sommar2026!", "10.0.0.7").status_code == 200

    refused = sign_in(users[-1].username, "Sommar2026!", "10.0.0.7")

    assert refused.status_code == 429
    assert WAIT in refused.content.decode()


def test_a_right_password_waits_out_the_delay_too_and_then_works(db: None) -> None:
    users = [UserFactory(username=f"elev{i}") for i in range(8)]
    for user in users[: throttle.PER_ADDRESS.free]:
        sign_in(user.username, "fel", "10.0.0.7")

    early = sign_in(users[-1].username, PASSWORD, "10.0.0.7")
    age_attempts(throttle.PER_ADDRESS.cap)
    later = sign_in(users[-1].username, PASSWORD, "10.0.0.7")

    assert early.status_code == 429
    assert later.status_code == 302


def test_one_username_from_many_addresses_is_slowed(db: None) -> None:
    UserFactory(username="rektor")
    for i in range(throttle.PER_USERNAME.free):
        assert sign_in("rektor", "fel", f"192.0.2.{i}").status_code == 200

    refused = sign_in("rektor", "fel", "198.51.100.9")

    assert refused.status_code == 429
    assert WAIT in refused.content.decode()


def test_a_refused_attempt_checks_no_password_and_counts_no_failure(db: None) -> None:
    UserFactory(username="rektor")
    for i in range(throttle.PER_USERNAME.free):
        sign_in("rektor", "fel", f"192.0.2.{i}")
    failures = sum(a.failures_since_start for a in AccessAttempt.objects.all())

    sign_in("rektor", "fel", "198.51.100.9")

    assert sum(a.failures_since_start for a in AccessAttempt.objects.all()) == failures


def test_colleagues_at_the_same_school_address_are_not_slowed_by_a_few_failures(db: None) -> None:
    UserFactory(username="larare")
    UserFactory(username="kurator")
    for _ in range(2):
        sign_in("larare", "fel", "10.0.0.7")

    assert sign_in("kurator", PASSWORD, "10.0.0.7").status_code == 302


@pytest.mark.parametrize("address", ["10.0.0.7", "10.0.0.8"])
def test_the_hard_lock_holds_only_for_the_username_and_address_together(
    db: None, settings: Any, address: str
) -> None:
    UserFactory(username="rektor")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("rektor", "fel", "10.0.0.7")
        age_attempts(throttle.PER_USERNAME.cap)  # the delays are not what is tested here

    response = sign_in("rektor", PASSWORD, address)

    if address == "10.0.0.7":
        assert response.status_code == 429
        assert "Kontot är tillfälligt låst" in response.content.decode()
    else:
        assert response.status_code == 302


def test_an_administrator_unlocks_and_it_is_logged(db: None, settings: Any) -> None:
    UserFactory(username="rektor")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("rektor", "fel", "10.0.0.7")
        age_attempts(throttle.PER_USERNAME.cap)

    call_command("unlock_login", "rektor", "--by", "Anna Admin på rektorns begäran")

    assert sign_in("rektor", PASSWORD, "10.0.0.7").status_code == 302
    event = AuditEvent.objects.get(event="access.unlocked")
    assert event.details["by"] == "Anna Admin på rektorns begäran"
    assert event.details["attempts_removed"] >= 1


def test_unlocking_an_unknown_username_changes_nothing(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("unlock_login", "ingen", "--by", "Anna Admin")
    assert not AuditEvent.objects.filter(event="access.unlocked").exists()

"""Sign-in events in the audit log (issue #10): success, failure, lockout, sign-out and idle
timeout, each in the account's tenant's chain or the installation's."""

import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from samverkan.audit.models import AuditAction, AuditEvent

PASSWORD = "test-password-123"  # access/tests/factories.py


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def _only(event: str) -> AuditEvent:
    return AuditEvent.objects.get(event=event)


def test_a_sign_in_is_logged_in_the_users_tenant(client: Client, world: Any) -> None:
    principal = world.users["principal"]

    _sign_in(client, "rektor", PASSWORD)

    entry = _only("auth.signed_in")
    assert entry.action == AuditAction.LOGIN
    assert (entry.municipality_id, entry.actor_user_id, entry.actor_username) == (
        principal.municipality_id,
        principal.pk,
        "rektor",
    )
    assert entry.details == {"ip": "127.0.0.1"}


def test_a_failed_attempt_on_an_account_names_the_account(client: Client, world: Any) -> None:
    _sign_in(client, "rektor", "fel-losenord")

    entry = _only("auth.sign_in_failed")
    assert (entry.municipality_id, entry.actor_username) == (
        world.users["principal"].municipality_id,
        "rektor",
    )
    assert "fel-losenord" not in str(entry.details)


def test_a_failed_attempt_on_no_account_keeps_only_a_keyed_hash(client: Client, world: Any) -> None:
    # A password typed into the username field must not end up in the log.
    _sign_in(client, "Sommar2026!hemligt", "rektor")
    _sign_in(client, "Sommar2026!hemligt", "rektor")

    first, second = AuditEvent.objects.filter(event="auth.sign_in_failed").order_by("id")
    assert first.municipality_id is None  # the installation's chain
    assert first.actor_username == ""
    assert first.actor_user_id is None
    stored = " ".join(str(getattr(first, f.attname)) for f in AuditEvent._meta.concrete_fields)
    assert "Sommar2026" not in stored
    assert first.details["username_hmac"].startswith("test:")
    assert first.details["username_hmac"] == second.details["username_hmac"]


def test_empty_fields_write_no_event(client: Client, world: Any) -> None:
    _sign_in(client, "", "")

    assert not AuditEvent.objects.exists()


def test_a_lockout_is_logged(client: Client, world: Any, settings: Settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    _sign_in(client, "rektor", "fel-1")
    _sign_in(client, "rektor", "fel-2")
    response = _sign_in(client, "rektor", PASSWORD)

    assert response.status_code == 429
    events = list(
        AuditEvent.objects.filter(actor_username="rektor")
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert events == ["auth.sign_in_failed", "auth.locked_out", "auth.locked_out"]


def test_a_sign_out_is_logged(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])

    client.post(reverse("logout"))

    assert _only("auth.signed_out").actor_user_id == world.users["principal"].pk


def test_an_idle_timeout_is_logged(client: Client, world: Any, settings: Settings) -> None:
    client.force_login(world.users["principal"])
    client.get(reverse("start"))
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 60
    session.save()

    client.get(reverse("children:search"))

    assert _only("auth.idle_timeout").actor_user_id == world.users["principal"].pk
    assert not AuditEvent.objects.filter(event="auth.signed_out").exists()


@pytest.mark.django_db(transaction=False)
def test_the_installations_chain_verifies(
    client: Client,
    world: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _sign_in(client, "ingen-sadan", "x")
    with django_capture_on_commit_callbacks(execute=True):
        _sign_in(client, "ingen-sadan", "y")
    out = StringIO()

    call_command("verify_audit", stdout=out, stderr=StringIO())

    assert "OK installation: 2 entries" in out.getvalue()

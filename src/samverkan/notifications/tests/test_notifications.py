"""Notifications: created in-app, e-mailed once after commit, read only by their recipient."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samverkan.notifications import services, tasks
from samverkan.notifications.models import Notification


@pytest.fixture
def signed_in(client: Client, world: Any) -> Any:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get(reverse("start"))  # stamps the idle timer outside the counted requests
        return client

    return sign_in


def _notify(world: Any, *users: str, n: int = 1) -> list[Notification]:
    created = []
    for i in range(n):
        created += services.notify(
            recipients=[world.users[u] for u in users],
            kind="test",
            title=f"Rubrik {i}",
            body="Ny kontaktperson.",
            url=reverse("organisations:list"),
        )
    return created


def test_notify_creates_one_per_recipient_and_emails_after_commit(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify(world, "principal", "counsellor", "principal")

    assert len(created) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.users["principal"].email, world.users["counsellor"].email]
    )
    assert all(n.emailed_at is not None for n in Notification.objects.all())


def test_sending_twice_sends_one_email(world: Any) -> None:
    [notification] = _notify(world, "principal")

    first = tasks.send_notification_email.call(str(notification.pk))
    second = tasks.send_notification_email.call(str(notification.pk))

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


def test_the_list_shows_only_own_notifications(signed_in: Any, world: Any) -> None:
    _notify(world, "counsellor")
    [own] = _notify(world, "principal")

    response = signed_in("principal").get(reverse("notifications:list"))

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [own]


def test_marking_read_is_own_only(signed_in: Any, world: Any) -> None:
    [own] = _notify(world, "principal")
    [other] = _notify(world, "counsellor")
    client = signed_in("principal")

    response = client.post(reverse("notifications:read", args=[own.pk]))
    refused = client.post(reverse("notifications:read", args=[other.pk]))

    own.refresh_from_db()
    other.refresh_from_db()
    assert response.status_code == 302
    assert own.read_at is not None
    assert refused.status_code == 404
    assert other.read_at is None


def test_the_unread_count_is_in_the_navigation(signed_in: Any, world: Any) -> None:
    _notify(world, "principal", n=2)
    client = signed_in("principal")

    before = client.get(reverse("organisations:list")).content.decode()
    client.post(reverse("notifications:read", args=[Notification.objects.first().pk]))  # type: ignore[union-attr]
    after = client.get(reverse("organisations:list")).content.decode()

    assert "Notiser (2)" in before
    assert "Notiser (1)" in after
    assert reverse("notifications:list") in before


def test_the_list_query_count_is_pinned_and_flat(signed_in: Any, world: Any) -> None:
    client = signed_in("principal")
    url = reverse("notifications:list")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _notify(world, "principal", n=2)
    few = count()
    _notify(world, "principal", n=60)
    many = count()

    # session, user, actor, page count, page rows, unread count
    assert few == many == 6


def test_a_notice_to_many_recipients_is_one_background_task(
    world: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """A new item notifies a whole receiving unit: one queued task, not one per person."""
    batches: list[list[str]] = []
    real = tasks.send_notification_emails
    monkeypatch.setattr(tasks, "send_notification_emails", SimpleNamespace(enqueue=batches.append))
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify(world, "intake", "unit_head", "team_worker")
    monkeypatch.undo()

    assert batches == [[str(n.pk) for n in created]]
    assert tasks.send_notification_emails is real
    assert tasks.send_notification_emails.call(batches[0]) == 3
    assert tasks.send_notification_emails.call(batches[0]) == 0  # each e-mail once

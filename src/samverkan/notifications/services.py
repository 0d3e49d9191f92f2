"""Writes about notifications: create them (and schedule the e-mail), mark them read."""

from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.models import User
from samverkan.core.errors import NotFound

from . import tasks
from .models import Notification


def notify(
    *, recipients: Iterable[User], kind: str, title: str, body: str, url: str = ""
) -> list[Notification]:
    """One in-app notification per distinct recipient; each e-mail is enqueued after commit.
    `body` must never carry data about a child."""
    unique = {u.pk: u for u in recipients if u.municipality_id is not None}
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user.pk,
                municipality_id=user.municipality_id,  # type: ignore[misc]  # filtered above
                kind=kind,
                title=title,
                body=body,
                url=url,
            )
            for user in unique.values()
        ]
    )
    ids = [str(n.pk) for n in created]
    if ids:
        transaction.on_commit(lambda: tasks.send_notification_emails.enqueue(ids))
    return created


@transaction.atomic
def notification_mark_read(*, actor: Actor, notification_id: UUID) -> Notification:
    """Mark one of the actor's own notifications read; another person's is NotFound."""
    notification = (
        Notification.objects.select_for_update()
        .filter(pk=notification_id, recipient_id=actor.user_id)
        .first()
    )
    if notification is None:
        raise NotFound
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification

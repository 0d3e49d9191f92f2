"""Background entry points of the notifications app."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Notification


@task()
def send_notification_emails(notification_ids: list[str]) -> int:
    """E-mail a batch of notifications created together (one task, not one per recipient, so a
    notice to a whole unit costs one queue row). Returns how many were sent."""
    return sum(1 for nid in notification_ids if _send(nid))


@task()
def send_notification_email(notification_id: str) -> bool:
    """E-mail one notification to its recipient. Safe to run twice: `emailed_at` is set in the
    same transaction that holds the row, and a sent notification is skipped."""
    return _send(notification_id)


def _send(notification_id: str) -> bool:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{settings.SAMVERKAN_BASE_URL}{notification.url}"
        send_mail(
            notification.title,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at", "updated_at"])
    return True

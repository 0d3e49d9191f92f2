"""Reads about notifications: only the actor's own."""

from uuid import UUID

from django.db.models import QuerySet

from samverkan.access.actor import Actor

from .models import Notification


def notification_list(*, actor: Actor) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=actor.user_id).order_by("-created_at", "-id")


def unread_count(*, user_id: UUID) -> int:
    """One indexed count (recipient, read_at) for the header."""
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()

"""Reads of the audit log for the log reviewer."""

from django.db.models import QuerySet

from samverkan.access.actor import Actor

from .models import AuditEvent

PAGE_SIZE = 100


def audit_event_list(
    *, actor: Actor, username: str = "", child_id: str = ""
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(municipality_id=actor.tenant_id)
    if username:
        qs = qs.filter(actor_username=username)
    if child_id:
        # The child's own page reads; searches listing the child are found by the log review
        # tools of roadmap #7, which index child_ids.
        qs = qs.filter(object_id=child_id)
    return qs.order_by("-id")

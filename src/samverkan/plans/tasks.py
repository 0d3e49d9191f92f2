"""Background entry points of the SIP."""

from uuid import UUID

from django_tasks import task

from . import meetings


@task()
def send_plan_invitations(meeting_id: str) -> int:
    """E-mail one meeting's invitations with their calendar file; safe to run twice."""
    return meetings.meeting_messages_send(meeting_id=UUID(meeting_id))


@task()
def send_plan_reminders() -> int:
    """Reminders before tomorrow's meetings and for overdue follow-ups (daily)."""
    return meetings.reminders_send()

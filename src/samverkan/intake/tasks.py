"""Background entry points of the one way in."""

from django_tasks import task

from . import reminders


@task()
def send_intake_reminders() -> int:
    """Remind of intake's deadlines due today (protection assessment, decision, feedback);
    safe to run twice: each reminder goes once per item, kind and day."""
    return reminders.reminders_send()

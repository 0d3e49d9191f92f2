"""Background entry points of the core app."""

from django_tasks import task


@task()
def ping() -> str:
    """Does nothing: `samverkan check_worker` enqueues it to see that a task worker runs."""
    return "pong"

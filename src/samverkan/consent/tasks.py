"""Background entry points of the consent app."""

from django_tasks import task

from . import services


@task()
def expire_consents() -> int:
    """Audit expired consents; safe to run twice."""
    return services.consent_expire_due()

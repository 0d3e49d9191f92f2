"""`samverkan expire_consents`: audit every consent whose end date has passed (run daily)."""

from typing import Any

from django.core.management.base import BaseCommand

from samverkan.consent import services


class Command(BaseCommand):
    help = "Record the expiry of consents whose end date has passed (one audit entry each)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.consent_expire_due()
        self.stdout.write(f"{count} samtycken har gått ut och loggats.")

"""Seal every tenant's pending audit entries: the periodic job behind the seal on commit."""

from typing import Any

from django.core.management.base import BaseCommand

from samverkan.audit.chain import seal_pending
from samverkan.organisations.models import Municipality


class Command(BaseCommand):
    help = "Link every tenant's committed, unsealed audit entries into its hash chain."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for tenant_id, code in Municipality.objects.order_by("code").values_list("id", "code"):
            sealed = seal_pending(municipality_id=tenant_id)
            if sealed:
                self.stdout.write(f"{code}: sealed {sealed} entries")
            total += sealed
        self.stdout.write(f"Sealed {total} entries")

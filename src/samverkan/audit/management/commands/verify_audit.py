"""Verify every tenant's audit chain: seal what is pending, then walk the chain (DESIGN
principle 2). Exit 0 when every chain is intact, 1 naming the first broken entry otherwise."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from samverkan.audit.chain import VerifyResult, seal_pending, verify_chain
from samverkan.audit.models import AuditEvent
from samverkan.organisations.models import Municipality

# Sealing runs on every commit; an entry still unsealed after this long means sealing fails.
STALE_AFTER = datetime.timedelta(minutes=5)


class Command(BaseCommand):
    help = (
        "Seal pending audit entries, then verify each tenant's hash chain against its entries, "
        "its head and its checkpoint file. Exits 1 naming the first broken entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="CODE", help="only the municipality with this code")
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="verify without sealing first; warn about entries unsealed for over 5 minutes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = _tenants(options["tenant"])
        broken: list[tuple[Municipality, VerifyResult]] = []
        for tenant in tenants:
            if options["no_seal"]:
                self._warn_stale(tenant)
            else:
                sealed = seal_pending(municipality_id=tenant.pk)
                if sealed:
                    self.stdout.write(f"Sealed {sealed} pending entries of {tenant.code}")
            result = verify_chain(tenant.pk)
            if result.ok:
                self.stdout.write(f"OK {tenant.code} {tenant.name}: {result.entries} entries")
                if result.entries > result.checkpoint_seq:
                    self.stderr.write(
                        f"WARNING {tenant.code}: entries after seq {result.checkpoint_seq} are "
                        "not covered by a checkpoint file; the next seal covers them"
                    )
            else:
                self.stdout.write(f"BROKEN {tenant.code}: {_describe(result)}")
                broken.append((tenant, result))
        if broken:
            tenant, result = broken[0]
            raise CommandError(
                f"audit chain broken in {len(broken)} of {len(tenants)} tenants; "
                f"{tenant.code}: {_describe(result)}"
            )

    def _warn_stale(self, tenant: Municipality) -> None:
        stale = AuditEvent.objects.filter(
            municipality_id=tenant.pk,
            sealed_at__isnull=True,
            occurred_at__lt=timezone.now() - STALE_AFTER,
        ).aggregate(count=Count("id"), oldest=Min("occurred_at"))
        if stale["count"]:
            self.stderr.write(
                f"WARNING {tenant.code}: {stale['count']} entries unsealed for more than "
                f"{STALE_AFTER.seconds // 60} minutes (oldest {stale['oldest']:%Y-%m-%d %H:%M}); "
                "run seal_audit"
            )


def _tenants(code: str | None) -> list[Municipality]:
    tenants: QuerySet[Municipality] = Municipality.objects.order_by("code")
    if code is not None:
        tenants = tenants.filter(code=code)
        if not tenants.exists():
            raise CommandError(f"no municipality with code {code!r}")
    return list(tenants)


def _describe(result: VerifyResult) -> str:
    entry_id = "-" if result.first_broken_id is None else result.first_broken_id
    return f"first broken entry seq={result.first_broken_seq} id={entry_id}: {result.problem}"

"""Verify every audit chain: seal what is pending, then walk each chain (DESIGN principle 2).
Exit 0 when every chain is intact, 1 naming the first broken entry otherwise."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Min
from django.utils import timezone

from samverkan.audit.chain import (
    ChainId,
    VerifyResult,
    audit_chains,
    in_chain,
    seal_pending,
    verify_chain,
)
from samverkan.audit.models import AuditEvent
from samverkan.audit.services import flush_denials

# The sealer links entries within seconds (ADR 0003); one unsealed this long means it is down.
STALE_AFTER = datetime.timedelta(minutes=5)


class Command(BaseCommand):
    help = (
        "Seal pending audit entries, then verify each tenant's chain and the installation's "
        "against their entries, MACs, heads and checkpoint files. Exits 1 naming the first "
        "broken entry, and while any entry is rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="CODE", help="only the municipality with this code")
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="verify without sealing first; warn about entries unsealed for over 5 minutes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            chains = audit_chains(options["tenant"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        broken: list[tuple[str, VerifyResult]] = []
        if not options["no_seal"]:
            flush_denials()
        for chain_id, label, name in chains:
            if options["no_seal"]:
                self._warn_stale(chain_id, label)
            else:
                outcome = seal_pending(municipality_id=chain_id)
                if outcome.linked:
                    self.stdout.write(f"Sealed {outcome.linked} pending entries of {label}")
                if outcome.rejected:
                    self.stdout.write(outcome.rejected_note(label))
            result = verify_chain(chain_id)
            title = f"{label} {name}".strip()
            if result.ok:
                self.stdout.write(f"OK {title}: {result.entries} entries")
                if result.uncovered:
                    self.stderr.write(f"WARNING {label}: {result.uncovered}")
            else:
                self.stdout.write(f"BROKEN {label}: {_describe(result)}")
                broken.append((label, result))
        if broken:
            label, result = broken[0]
            raise CommandError(
                f"audit chain broken in {len(broken)} of {len(chains)} chains; "
                f"{label}: {_describe(result)}"
            )

    def _warn_stale(self, chain_id: ChainId, label: str) -> None:
        stale = AuditEvent.objects.filter(
            in_chain(chain_id),
            sealed_at__isnull=True,
            occurred_at__lt=timezone.now() - STALE_AFTER,
        ).aggregate(count=Count("id"), oldest=Min("occurred_at"))
        if stale["count"]:
            self.stderr.write(
                f"WARNING {label}: {stale['count']} entries unsealed for more than "
                f"{STALE_AFTER.seconds // 60} minutes (oldest {stale['oldest']:%Y-%m-%d %H:%M}); "
                "run seal_audit"
            )


def _describe(result: VerifyResult) -> str:
    entry_id = "-" if result.first_broken_id is None else result.first_broken_id
    return f"first broken entry seq={result.first_broken_seq} id={entry_id}: {result.problem}"

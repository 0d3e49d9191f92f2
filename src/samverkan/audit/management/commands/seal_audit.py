"""Seal every chain's pending audit entries: the periodic job behind the seal on commit."""

from typing import Any

from django.core.management.base import BaseCommand

from samverkan.audit.chain import audit_chains, seal_pending
from samverkan.audit.services import flush_denials


class Command(BaseCommand):
    help = (
        "Link every chain's committed, unsealed audit entries into it; report entries rejected "
        "because their MAC does not verify."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        flushed = flush_denials()
        if flushed:
            self.stdout.write(f"Wrote {flushed} entries of repeated denials")
        total = rejected = 0
        for chain_id, label, _name in audit_chains():
            outcome = seal_pending(municipality_id=chain_id)
            if outcome.linked:
                self.stdout.write(f"{label}: sealed {outcome.linked} entries")
            if outcome.rejected:
                self.stderr.write(outcome.rejected_note(label))
            total += outcome.linked
            rejected += len(outcome.rejected)
        self.stdout.write(
            f"Sealed {total} entries" + (f", rejected {rejected}" if rejected else "")
        )

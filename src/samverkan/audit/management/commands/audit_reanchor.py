"""Start a new checkpoint anchor after a deliberate restore of the database (ADR 0003)."""

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.audit.chain import audit_chains, reanchor


class Command(BaseCommand):
    help = (
        "After restoring the database from a backup: record the restore in each chain (an "
        "audit.reanchored entry with the reason) and start a new anchor in its checkpoint file, "
        "so that checkpoints of the entries lost in the restore no longer fail verification. "
        "Run it before the app serves again. A restore without it fails verify_audit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reason", required=True, help="why: the restore and its ticket")
        parser.add_argument("--tenant", metavar="CODE", help="only the municipality with this code")

    def handle(self, *args: Any, **options: Any) -> None:
        reason = options["reason"].strip()
        if len(reason) < 10:
            raise CommandError("give the reason for the restore (at least 10 characters)")
        try:
            chains = audit_chains(options["tenant"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        operator = getpass.getuser()
        for chain_id, label, _name in chains:
            base, seq = reanchor(chain_id, reason=reason, operator=operator)
            self.stdout.write(f"{label}: re-anchored at seq {seq} (restored head seq {base})")

"""Lift the sign-in lock and delays for one account (an administrator's act, logged)."""

from typing import Any

from axes.utils import reset
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from samverkan.access.models import User
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction


class Command(BaseCommand):
    help = (
        "Lift the lock and delays after wrong passwords for one account; logged in the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="Who unlocks, and on whose request.")

    @transaction.atomic
    def handle(self, *args: Any, username: str, by: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None or user.municipality_id is None:
            raise CommandError(f"Ingen användare i en kommun heter {username}.")
        removed = reset(username=username)
        audit.record_system(
            municipality_id=user.municipality_id,
            action=AuditAction.CHANGE,
            event="access.unlocked",
            subject=user,
            details={"by": by[:200], "attempts_removed": removed},
        )
        print(f"{username}: {removed} låsta försök borttagna.")

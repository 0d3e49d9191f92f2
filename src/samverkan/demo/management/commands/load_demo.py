"""`samverkan load_demo`: load the fictional demo municipality (`make demo` runs it each start)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samverkan.core.errors import DomainError
from samverkan.demo import data, services


class Command(BaseCommand):
    help = "Skapar en påhittad demokommun med enheter, personal, kontaktpersoner och barn."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--children", type=int, default=3000, help="Antal barn (3000).")
        parser.add_argument("--seed", type=int, default=1, help="Slumpfrö: samma frö, samma data.")
        parser.add_argument("--code", default=data.DEFAULT_CODE, help="Kommunkod (0999).")
        parser.add_argument("--name", default=data.DEFAULT_NAME, help="Kommunens namn.")
        parser.add_argument(
            "--intake-items",
            type=int,
            default=None,
            help="Antal inkomna orosanmälningar (standard: ett per 50 barn, minst 12).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Gör ingenting om en kommun med koden redan finns.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = services.demo_load(
                children=options["children"],
                seed=options["seed"],
                code=options["code"],
                name=options["name"],
                if_empty=options["if_empty"],
                stdout=self.stdout,
                intake_items=options["intake_items"],
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        if not result.created:
            self.stdout.write(
                f"Demokommunen {result.name} ({result.code}) finns redan. Inget laddades."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.name} ({result.code}) skapad på {result.seconds:.1f} s: "
                f"{result.schools} skolor, {result.users} användare, {result.children} barn, "
                f"{result.guardians} vårdnadshavare, {result.enrolments} placeringar, "
                f"{result.notes} anteckningar."
            )
        )

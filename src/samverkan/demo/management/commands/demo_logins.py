"""`samverkan demo_logins`: print one login per role for the demo municipality."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samverkan.demo import data, selectors


class Command(BaseCommand):
    help = "Visar demokontona: en inloggning per roll och det gemensamma lösenordet."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--code", default=data.DEFAULT_CODE, help="Kommunkod (0999).")

    def handle(self, *args: Any, **options: Any) -> None:
        logins = selectors.demo_login_list(code=options["code"])
        if not logins:
            raise CommandError(
                f"Det finns inga demokonton i kommunen med kod {options['code']}. "
                "Kör först: samverkan load_demo"
            )
        headers = ("Roll", "Användarnamn", "Enhet")
        rows = [(login.role_label, login.username, login.unit_name) for login in logins]
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(3)]
        for row in [headers, tuple("-" * width for width in widths), *rows]:
            line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
        self.stdout.write(f"\nLösenord för alla demokonton: {data.PASSWORD}")

"""`samverkan intake_reminders`: remind intake of the law's deadlines (run twice a day)."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.intake import reminders


class Command(BaseCommand):
    help = (
        "Remind intake of reports whose protection assessment is missing, and of decisions and "
        "feedback to the reporter coming due, due today or overdue (SoL 20 kap. 1-2 §§, "
        "19 kap. 6 §). Each reminder goes to the assigned social worker, or to the receiving "
        "unit's staff, once per item, kind and day: running it again the same day sends "
        "nothing new. Schedule it every morning and afternoon, e.g. cron: "
        "'0 7,15 * * * samverkan intake_reminders', or a systemd timer with "
        "'OnCalendar=*-*-* 07,15:00:00' and 'Persistent=true'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="The day to remind for, YYYY-MM-DD (default: today). For catching up a day.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options.get("date"):
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(
                    "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-02."
                ) from error
        count = reminders.reminders_send(today=day)
        self.stdout.write(f"{count} påminnelser har skickats.")

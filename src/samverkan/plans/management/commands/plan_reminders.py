"""`samverkan plan_reminders`: remind SIP participants of tomorrow's meetings and the lead of
overdue follow-ups (run daily)."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.plans import meetings


class Command(BaseCommand):
    help = (
        "E-mail a reminder with its calendar file to every participant of a SIP meeting held "
        "tomorrow, and to the lead's named person of a SIP whose follow-up date has passed with "
        "no meeting booked. No message names the child. Each reminder goes once: running it "
        "again sends nothing new. Schedule it every morning, e.g. cron: "
        "'0 7 * * * samverkan plan_reminders'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to remind for, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options.get("date"):
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(
                    "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-02."
                ) from error
        count = meetings.reminders_send(today=day)
        self.stdout.write(f"{count} påminnelser har skickats.")

"""`samverkan alert UNIT`: tell the operators that a systemd unit failed (OnFailure=)."""

import smtplib
import socket
import sys
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

# sd-daemon's priority prefix: journald records the line at level "crit" (2).
CRIT = "<2>"


class Command(BaseCommand):
    help = (
        "Record that a job failed at priority 'crit' in the system log and e-mail the "
        "addresses in SAMVERKAN_ALERT_EMAILS (comma-separated). Run by samverkan-alert@.service."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("unit", help="the unit that failed, e.g. samverkan-verify-audit")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = options["unit"]
        host = socket.gethostname()
        subject = f"Samverkan: {unit} failed on {host}"
        body = (
            f"{unit} failed at {timezone.localtime():%Y-%m-%d %H:%M:%S %Z} on {host}.\n\n"
            f"What it printed: journalctl -u {unit} -n 100\n"
            "What to do: docs/runbooks/production.md, 'When a job fails'.\n"
        )
        sys.stderr.write(f"{CRIT}{subject}\n")
        recipients = [
            address.strip()
            for address in getattr(settings, "SAMVERKAN_ALERT_EMAILS", "").split(",")
            if address.strip()
        ]
        if recipients:
            try:
                send_mail(subject, body, None, recipients)
            except (OSError, smtplib.SMTPException) as error:
                raise CommandError(
                    f"the alert is in the system log, but e-mailing {', '.join(recipients)} "
                    f"failed: {error}"
                ) from error
            self.stdout.write(f"Alert sent to {', '.join(recipients)}")
        else:
            self.stdout.write(
                "SAMVERKAN_ALERT_EMAILS is empty: the alert is in the system log only"
            )

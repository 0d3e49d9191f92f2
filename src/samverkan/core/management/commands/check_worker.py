"""`samverkan check_worker`: is a task worker running? For monitoring (a systemd timer)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks import TaskResultStatus

from samverkan.core.tasks import ping


class Command(BaseCommand):
    help = (
        "Enqueue a task that does nothing and wait for a task worker to run it. Exit 0 when it "
        "ran, 1 when no worker took it within --timeout seconds (e-mails and other background "
        "work are waiting)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = ping.enqueue()
        deadline = started + options["timeout"]
        while not result.is_finished and time.monotonic() < deadline:
            time.sleep(0.5)
            result.refresh()
        if result.status != TaskResultStatus.SUCCESSFUL:
            raise CommandError(
                f"no task worker ran the check task within {options['timeout']:g} s "
                f"(status {result.status}); is samverkan-worker running?"
            )
        self.stdout.write(
            f"Task worker OK: the check task ran in {time.monotonic() - started:.1f} s"
        )

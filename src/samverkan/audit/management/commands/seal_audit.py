"""Seal every chain's pending audit entries: one round (the systemd timer's fallback), or with
`--loop` a round every few seconds until SIGTERM (the sealer beside the task worker, ADR 0003)."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.audit import sealer


class Command(BaseCommand):
    help = (
        "Link every chain's committed, unsealed audit entries into it; report entries rejected "
        "because their MAC does not verify. --loop: keep doing so every few seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            action="store_true",
            help="seal a round every --every seconds until stopped (SIGTERM or SIGINT)",
        )
        parser.add_argument(
            "--every",
            type=float,
            default=sealer.SEAL_EVERY,
            help="seconds between rounds with --loop (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["loop"]:
            if options["every"] <= 0:
                raise CommandError("--every must be more than 0 seconds")
            self._loop(options["every"])
            return
        outcome = sealer.seal_round()
        if outcome.flushed:
            self.stdout.write(f"Wrote {outcome.flushed} entries of repeated denials")
        for label, linked in outcome.linked.items():
            self.stdout.write(f"{label}: sealed {linked} entries")
        for note in outcome.rejected.values():
            self.stderr.write(note)
        rejected = outcome.rejected_count
        self.stdout.write(
            f"Sealed {outcome.total} entries" + (f", rejected {rejected}" if rejected else "")
        )

    def _loop(self, every: float) -> None:
        stop = threading.Event()

        def ask_to_stop(signum: int, frame: Any) -> None:
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, ask_to_stop)
        self.stdout.write(f"Sealing audit chains every {every:g} s")
        self.stdout.flush()
        sealer.run(every=every, stop=stop)
        self.stdout.write("Sealer stopped")

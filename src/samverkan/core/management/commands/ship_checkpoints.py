"""`samverkan ship_checkpoints`: copy new audit checkpoint lines to the system log.

The audit chain's checkpoints are files outside the database (ADR 0003). Printed here, each new
line reaches journald (and whatever the system log forwards to), where neither the database
account nor the service account can take it back. A file that got shorter since the last run
was rewritten: that is reported at priority crit, the file is shipped again whole, and the
command exits 1 so its unit's OnFailure= alert fires. Run every minute by a systemd timer.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

CRIT = "<2>"  # sd-daemon priority prefix: journald records the line at level crit


def state_path() -> Path:
    default = Path(settings.AUDIT_CHECKPOINT_DIR).parent / "checkpoints-shipped.json"
    return Path(getattr(settings, "SAMVERKAN_CHECKPOINT_SHIP_STATE", default))


class Command(BaseCommand):
    help = (
        "Print every audit checkpoint line written since the last run (for the system log); "
        "exit 1 when a checkpoint file got shorter, i.e. was rewritten."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(settings.AUDIT_CHECKPOINT_DIR)
        state_file = state_path()
        shipped: dict[str, int] = (
            json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
        )
        rewritten: list[str] = []
        lines = 0
        files = sorted(p for p in directory.glob("*") if p.is_file()) if directory.is_dir() else []
        for path in files:
            offset = shipped.get(path.name, 0)
            size = path.stat().st_size
            if size < offset:
                sys.stderr.write(
                    f"{CRIT}audit checkpoint file {path.name} is shorter ({size} bytes) than "
                    f"already shipped ({offset} bytes): it was rewritten; shipping it again\n"
                )
                rewritten.append(path.name)
                offset = 0
            with path.open("rb") as handle:
                handle.seek(offset)
                data = handle.read()
            # Only whole lines; a line being written now goes with the next run.
            complete = data[: data.rfind(b"\n") + 1]
            for line in complete.decode("utf-8", errors="replace").splitlines():
                self.stdout.write(f"checkpoint {path.stem} {line}")
                lines += 1
            shipped[path.name] = offset + len(complete)
        for name in set(shipped) - {path.name for path in files}:
            sys.stderr.write(f"{CRIT}audit checkpoint file {name} has disappeared\n")
            rewritten.append(name)
            del shipped[name]
        state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = state_file.with_suffix(".tmp")
        partial.write_text(json.dumps(shipped, sort_keys=True), encoding="utf-8")
        os.replace(partial, state_file)
        if rewritten:
            raise CommandError(
                f"audit checkpoint files rewritten or removed: {', '.join(rewritten)}"
            )
        if options["verbosity"] > 1:
            self.stderr.write(f"{lines} checkpoint lines shipped from {len(files)} files")

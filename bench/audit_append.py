"""What a request pays for its audit entry now that sealing is off the request path (ADR 0003).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samverkan_x \\
        .venv/bin/python bench/audit_append.py --appends 1000

On a loaded database (`load_demo`), as the intake social worker (`mottagning`): the time of
`audit.services.record` in its own transaction (the INSERT and the MAC, what a request adds), p50/p95/max
in ms, and the commit after it (the WAL flush a read's transaction now needs for its entry); then the time of one sealer round (`audit.sealer.seal_round`) linking all of them, which
runs in the sealer's process, not in any request. Target: the append at most 1 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings.dev")
os.environ.setdefault("SAMVERKAN_DEBUG", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--appends", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from bench.pages_bench import percentile
    from samverkan.access.actor import actor_load
    from samverkan.access.models import User
    from samverkan.audit import sealer, services
    from samverkan.audit.models import AuditAction

    actor = actor_load(user=User.objects.get(username="mottagning"))
    assert actor is not None
    sealer.seal_round()  # start from a sealed log
    samples, commits = [], []
    for _ in range(args.appends):
        with transaction.atomic():
            began = time.perf_counter_ns()
            services.record(
                actor=actor,
                action=AuditAction.VIEW,
                event="child.viewed",
                object_type="children.child",
                object_id=str(uuid.uuid4()),
                child_ids=[uuid.uuid4()],
                details={"rows": 1},
            )
            samples.append((time.perf_counter_ns() - began) / 1e6)
            began = time.perf_counter_ns()
        commits.append((time.perf_counter_ns() - began) / 1e6)
    samples.sort()
    commits.sort()
    began = time.perf_counter()
    outcome = sealer.seal_round()
    round_ms = (time.perf_counter() - began) * 1000
    print(f"{connection.vendor}: {args.appends} appends, each in its own transaction (ms)")
    for label, values in (("append", samples), ("commit", commits)):
        print(
            f"{label}   p50 {percentile(values, 0.5):.3f}  p95 {percentile(values, 0.95):.3f}  "
            f"max {values[-1]:.3f}"
        )
    print(f"one sealer round linked {outcome.total} entries in {round_ms:.0f} ms")


if __name__ == "__main__":
    main()

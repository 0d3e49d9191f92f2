"""The child search's SQL alone, on a loaded database (ADR 0004's measure).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samverkan_x \\
        .venv/bin/python bench/search_sql.py --rounds 200
    SAMVERKAN_DATA_DIR=/path/with/samverkan.sqlite3 .venv/bin/python bench/search_sql.py

Load the database first (`samverkan migrate && samverkan load_demo --children 100000 --seed 2`).
For the principal (`rektor`) and the intake social worker (`mottagning`), builds search texts of
each kind `bench/pages_bench.py` uses (a common surname, a full name, a rare full name, a
mistyped surname, an identity number), runs `children.selectors.child_search` once per text to
record its SQL, and then replays the search's own query (the first: the children; the second,
their enrolments, is by primary keys) directly on a cursor, fetching every row. Prints p50, p95
and max in milliseconds per role and kind, and the query plan of one common-surname search.
Target: p95 under 5 ms at 100 000 children.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings.dev")
os.environ.setdefault("SAMVERKAN_DEBUG", "")

TARGET_MS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="replays of each kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.pages_bench import SEARCH_KINDS, _search_terms, percentile
    from samverkan.access.actor import actor_load
    from samverkan.access.models import User
    from samverkan.children import selectors
    from samverkan.children.models import Child

    rng = random.Random(args.seed)
    print(
        f"{connection.vendor}, {Child.objects.count()} children, "
        f"{args.rounds} replays per kind (ms)"
    )
    print(f"{'role':<11} {'kind':<16} {'hits':>5} {'p50':>7} {'p95':>7} {'max':>7}")
    worst = 0.0
    plan_shown = False
    for username in ("rektor", "mottagning"):
        actor = actor_load(user=User.objects.get(username=username))
        assert actor is not None, username
        terms = _search_terms(actor, 10 * len(SEARCH_KINDS), rng)
        for kind in SEARCH_KINDS:
            texts = [text for k, text in terms if k == kind]
            statements = []
            for text in texts:
                with CaptureQueriesContext(connection) as captured:
                    selectors.child_search(actor=actor, query=selectors.child_query_parse(text))
                statements.append(captured.captured_queries[0]["sql"])
            samples = []
            hits = 0
            with connection.cursor() as cursor:
                for i in range(args.rounds):
                    sql = statements[i % len(statements)]
                    began = time.perf_counter_ns()
                    cursor.execute(sql)
                    hits = max(hits, len(cursor.fetchall()))
                    samples.append((time.perf_counter_ns() - began) / 1e6)
                if not plan_shown and kind == "surname_common" and username == "rektor":
                    explain = (
                        "EXPLAIN ANALYZE "
                        if connection.vendor == "postgresql"
                        else ("EXPLAIN QUERY PLAN ")
                    )
                    cursor.execute(explain + statements[0])
                    plan = "\n".join("  " + " ".join(map(str, row)) for row in cursor.fetchall())
                    plan_shown = True
            samples.sort()
            p95 = percentile(samples, 0.95)
            worst = max(worst, p95)
            print(
                f"{username:<11} {kind:<16} {hits:>5} {percentile(samples, 0.5):>7.2f} "
                f"{p95:>7.2f} {samples[-1]:>7.2f}"
            )
    print(f"worst p95 {worst:.2f} ms: {'ok' if worst < TARGET_MS else 'MISS'} (< {TARGET_MS} ms)")
    print("plan of the principal's common-surname search:\n" + plan)


if __name__ == "__main__":
    main()

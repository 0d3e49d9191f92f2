"""Profile one page in-process against the HTTP bench's database (`bench/http_bench.py`).

    .venv/bin/python bench/profile_page.py --user rektor --path / [--requests 200]
        [--database samverkan_http_bench] [--cprofile]

Django's test Client, signed in with `force_login`, under `bench.http_settings` (DEBUG off, the
cached template loader) on the database the HTTP bench loaded. Prints the mean server time,
the page's queries, and a pyinstrument profile of `--requests` requests after a warm-up
(`--cprofile`: cProfile's top functions by cumulative time instead).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--user", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database", default="samverkan_http_bench")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--requests-only", action="store_true", help="no profile")
    parser.add_argument("--top", type=int, default=60, help="cProfile: functions shown")
    args = parser.parse_args()

    from bench.http_bench import app_env, database_url

    os.environ.update(app_env(database_url(args.postgres_url, args.database), args.database))
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # the audit checkpoint lines
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from samverkan.access.models import User

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    for _ in range(args.warmup):
        response = client.get(args.path)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(args.path)
    print(f"{args.path} as {args.user}: {len(queries)} queries")
    if args.show_sql:
        for q in queries.captured_queries:
            print(f"  {q['time']}  {q['sql'][:300]}")
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        client.get(args.path)
    mean = (time.perf_counter() - began) / args.requests * 1000
    cpu_mean = (time.process_time() - cpu) / args.requests * 1000
    # CPU time of this process (Django, the ORM, templates; not PostgreSQL's): steadier than
    # wall time on a shared machine.
    print(f"mean {mean:.2f} ms wall, {cpu_mean:.2f} ms CPU over {args.requests} requests")
    if args.requests_only:
        return
    if args.cprofile:
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)  # CPU time: steadier on a shared machine
        profile.enable()
        for _ in range(args.requests):
            client.get(args.path)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False))


if __name__ == "__main__":
    main()

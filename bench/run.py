"""Run every benchmark (`make bench`): the pages at 100 000 children, then the audit log.

    .venv/bin/python bench/run.py --db both [--children 100000] [--requests 1000] [--reuse]

1. bench/pages_bench.py: child search and the child overview against their floor, the audit
   write per request and the query counts, on SQLite and PostgreSQL. Prints a table and writes
   bench/results/pages-<time>.json.
2. bench/audit_bench.py, when present, as a subprocess with the same --db: concurrent appends
   and the verification of a long chain.
3. With --intake-bench, bench/intake_bench.py as a subprocess with the same --db, --children,
   --seed, --reuse and --postgres-url: the report submit, the intake queue and the start page.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import pages_bench  # noqa: E402  (the repository root is on the path only now)

AUDIT_BENCH = REPO / "bench" / "audit_bench.py"
INTAKE_BENCH = REPO / "bench" / "intake_bench.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    pages_bench.add_arguments(parser)
    parser.add_argument(
        "--skip-audit-bench", action="store_true", help="do not run bench/audit_bench.py"
    )
    parser.add_argument(
        "--intake-bench", action="store_true", help="run bench/intake_bench.py last"
    )
    args = parser.parse_args()

    report = pages_bench.run(args)
    print(pages_bench.format_report(report))
    path = pages_bench.save_report(report)
    print(f"\nResults: {path.relative_to(REPO)}", flush=True)

    status = 0
    if not args.skip_audit_bench and AUDIT_BENCH.exists():
        print(f"\n{AUDIT_BENCH.relative_to(REPO)} --db {args.db}", flush=True)
        status = subprocess.run(
            [sys.executable, str(AUDIT_BENCH), "--db", args.db], cwd=REPO, check=False
        ).returncode
    if args.intake_bench:
        options = ["--db", args.db, "--children", str(args.children), "--seed", str(args.seed)]
        options += ["--postgres-url", args.postgres_url, *(["--reuse"] if args.reuse else [])]
        print(f"\n{INTAKE_BENCH.relative_to(REPO)} {' '.join(options)}", flush=True)
        command = [sys.executable, str(INTAKE_BENCH), *options]
        status = subprocess.run(command, cwd=REPO, check=False).returncode or status
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Consent benchmark: what the consent check adds to the child overview.

    .venv/bin/python bench/consent_bench.py [--db sqlite|postgres|both] [--requests 1000]

For each database (SQLite in a temporary data folder; PostgreSQL in a temporary database on
$DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards)
a fresh process with `samverkan.settings.dev` (DEBUG off) migrates and builds two children at one
school with the same 200 records each (100 school notes at the school, 100 social notes in the
school-social team): one with 20 consents in force naming the school and the team, one with none.
A counsellor of the school, logged in with `force_login`, then gets `/barn/<id>/` in-process with
Django's test Client, alternating the two children, `--requests` times each after a warm-up. Both
pages render 100 notes (the overview's limit), so the difference is the consent check: reading
and evaluating the consents and the wider note filter. Query counts are taken for 0, 1 and 20
consents and for 20 and 200 records.

Target: p95 added < 2 ms, and the query count independent of consents and records.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_ADDED_MS = 2.0


def percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks of an ordered list."""
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(samples_ns: list[int]) -> dict[str, float]:
    ms = sorted(s / 1e6 for s in samples_ns)
    return {"p50": percentile(ms, 0.5), "p95": percentile(ms, 0.95), "max": ms[-1]}


# --- inside the measuring process ----------------------------------------------------------------


def _build(consents: int, records: int, tag: str, world: dict[str, Any]) -> Any:
    """A child at the school with `records` notes (half school, half social) and `consents`
    consents in force naming the school and the team."""
    from samverkan.children.tests.factories import (
        ChildFactory,
        EnrolmentFactory,
        GuardianFactory,
        GuardianshipFactory,
        NoteFactory,
    )
    from samverkan.consent.models import Consent, ConsentParty

    school, team, author = world["school"], world["team"], world["author"]
    child = ChildFactory(
        municipality=world["tenant"], given_name=f"Bench{tag}", birth_date=datetime.date(2013, 5, 1)
    )
    guardian = GuardianFactory(municipality=world["tenant"])
    GuardianshipFactory(child=child, guardian=guardian)
    EnrolmentFactory(child=child, school=school)
    for index in range(records):
        social = index % 2 == 1
        NoteFactory(
            child=child,
            owner_unit=team if social else school,
            domain="social_services" if social else "school",
            category="social_situation" if social else "school_situation",
            created_by=author,
        )
    today = datetime.datetime.now(tz=datetime.UTC).date()
    for index in range(consents):
        consent = Consent.objects.create(
            municipality=world["tenant"],
            child=child,
            purpose="information_exchange",
            purpose_text=f"Samordning {index}",
            categories=["school_situation", "social_situation"],
            direction=("both", "social_services_to_school")[index % 2],
            valid_from=today - datetime.timedelta(days=10),
            valid_to=today + datetime.timedelta(days=100 + index),
            recorded_by=author,
        )
        consent.units.set([school, team])
        ConsentParty.objects.create(
            consent=consent,
            kind="guardian",
            guardian=guardian,
            answer="given",
            form="written",
            given_on=today,
        )
        ConsentParty.objects.create(
            consent=consent, kind="child", answer="given", form="written", given_on=today
        )
    return child


def measure(requests: int, warmup: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from samverkan.access.roles import Role
    from samverkan.access.tests.factories import staff
    from samverkan.organisations.models import Unit
    from samverkan.organisations.tests.factories import (
        MunicipalityFactory,
        SchoolFactory,
        UnitFactory,
    )

    assert not settings.DEBUG, "measure with DEBUG off"
    override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]).enable()
    began = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    migrate_s = time.perf_counter() - began

    tenant = MunicipalityFactory(name="Benchkommun", code="0990")
    school = SchoolFactory(municipality=tenant, name="Benchskolan")
    team = UnitFactory(
        municipality=tenant,
        name="Skolsocialt team",
        kind=Unit.Kind.TEAM,
        function=Unit.Function.SCHOOL_SOCIAL_TEAM,
    )
    world = {
        "tenant": tenant,
        "school": school,
        "team": team,
        "author": staff(Role.TEAM_SOCIAL_WORKER, team, username="bench-team"),
    }
    counsellor = staff(Role.COUNSELLOR, school, username="bench-kurator")
    with_consents = _build(20, 200, "Med", world)
    without = _build(0, 200, "Utan", world)
    variants = {
        "0 consents, 20 records": _build(0, 20, "A", world),
        "1 consent, 20 records": _build(1, 20, "B", world),
        "20 consents, 20 records": _build(20, 20, "C", world),
        "0 consents, 200 records": without,
        "20 consents, 200 records": with_consents,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = Client()
    client.force_login(counsellor, backend="django.contrib.auth.backends.ModelBackend")
    client.get("/")  # stamps the idle timer outside the measured requests

    def get(child: Any) -> int:
        start = time.perf_counter_ns()
        response = client.get(f"/barn/{child.pk}/")
        elapsed = time.perf_counter_ns() - start
        if response.status_code != 200:
            raise RuntimeError(f"/barn/{child.pk}/ answered {response.status_code}")
        return elapsed

    queries: dict[str, int] = {}
    shown: dict[str, int] = {}
    for label, child in variants.items():
        get(child)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/barn/{child.pk}/")
        queries[label] = len(captured)
        shown[label] = response.content.decode().count(">Anteckning ")

    samples: dict[str, list[int]] = {"with": [], "without": []}
    for index in range(warmup + requests):
        pair = (("with", with_consents), ("without", without))
        for name, child in pair if index % 2 == 0 else pair[::-1]:
            elapsed = get(child)
            if index >= warmup:
                samples[name].append(elapsed)
    # The check alone: the overview selector (consents read and evaluated, the note filter, each
    # note's consent), without the view, the audit write and the template.
    from samverkan.access.actor import actor_load
    from samverkan.children import selectors

    actor = actor_load(user=counsellor)
    facts = {
        name: selectors.child_get_visible(actor=actor, child_id=child.pk)
        for name, child in (("with", with_consents), ("without", without))
    }
    check: dict[str, list[int]] = {"with": [], "without": []}
    for index in range(warmup + requests):
        for name, (child, relation) in facts.items():
            start = time.perf_counter_ns()
            selectors.child_overview(actor=actor, child=child, relation=relation)
            if index >= warmup:
                check[name].append(time.perf_counter_ns() - start)
    return {
        "engine": connection.vendor,
        "check_with": summary(check["with"]),
        "check_without": summary(check["without"]),
        "migrate_s": migrate_s,
        "requests": requests,
        "warmup": warmup,
        "with": summary(samples["with"]),
        "without": summary(samples["without"]),
        "queries": queries,
        "notes_shown": shown,
        "loadavg": os.getloadavg(),
    }


# --- driver --------------------------------------------------------------------------------------


def _postgres(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def run_backend(db: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="samverkan-consent-bench-") as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "samverkan.settings.dev",
            "SAMVERKAN_DATA_DIR": folder,
            "SAMVERKAN_AUDIT_CHECKPOINT_DIR": str(Path(folder) / "audit"),
            "SAMVERKAN_DEBUG": "",
        }
        env.pop("DATABASE_URL", None)
        name = f"samverkan_consent_bench_{os.getpid()}"
        admin_url = ""
        if db == "postgres":
            parts = urlsplit(args.postgres_url)
            admin_url = urlunsplit(parts._replace(path="/postgres"))
            with _postgres(admin_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
            env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        out = Path(folder) / "result.json"
        try:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--measure",
                    str(out),
                    "--requests",
                    str(args.requests),
                    "--warmup",
                    str(args.warmup),
                ],
                env=env,
                cwd=REPO,
                check=True,
            )
            return json.loads(out.read_text())  # type: ignore[no-any-return]
        finally:
            if db == "postgres":
                with _postgres(admin_url) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "",
        "Child overview, counsellor, 200 records; server time in ms (in-process client)",
        "",
    ]
    lines.append(
        f"  {'db':<10}{'requests':>9}{'p50 without':>13}{'p50 with':>10}"
        f"{'p95 without':>13}{'p95 with':>10}{'p95 added':>11}  target < {TARGET_ADDED_MS} ms"
    )
    ok = True
    for db, r in results.items():
        added = r["with"]["p95"] - r["without"]["p95"]
        ok &= added < TARGET_ADDED_MS
        lines.append(
            f"  {db:<10}{r['requests']:>9}{r['without']['p50']:>13.2f}{r['with']['p50']:>10.2f}"
            f"{r['without']['p95']:>13.2f}{r['with']['p95']:>10.2f}{added:>11.2f}  "
            f"{'ok' if added < TARGET_ADDED_MS else 'OVER'}"
        )
    lines += ["", "The check alone: children.selectors.child_overview, ms", ""]
    lines.append(
        f"  {'db':<10}{'p50 without':>13}{'p50 with':>10}{'p95 without':>13}{'p95 with':>10}{'p95 added':>11}"
    )
    for db, r in results.items():
        added = r["check_with"]["p95"] - r["check_without"]["p95"]
        lines.append(
            f"  {db:<10}{r['check_without']['p50']:>13.2f}{r['check_with']['p50']:>10.2f}"
            f"{r['check_without']['p95']:>13.2f}{r['check_with']['p95']:>10.2f}{added:>11.2f}"
        )
    lines += ["", "Queries per overview request (notes shown in brackets)", ""]
    labels = list(next(iter(results.values()))["queries"])
    lines.append(f"  {'':<26}" + "".join(f"{db:>12}" for db in results))
    for label in labels:
        cells = "".join(
            f"{r['queries'][label]:>7} ({r['notes_shown'][label]:>3})" for r in results.values()
        )
        lines.append(f"  {label:<26}{cells}")
    for db, r in results.items():
        # Without any consent the selector stops after the consent query (fewer queries).
        counts = {n for label, n in r["queries"].items() if not label.startswith("0 consents")}
        ok &= len(counts) == 1
        lines.append(
            f"  {db}: query count with consents "
            f"{'independent of their number and of records' if len(counts) == 1 else 'VARIES'}"
            f"; load average {', '.join(f'{x:.2f}' for x in r['loadavg'])}"
        )
    lines += ["", f"Verdict: {'meets the target' if ok else 'misses the target'}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("DATABASE_URL", DEFAULT_POSTGRES_URL)
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        Path(args.measure).write_text(json.dumps(measure(args.requests, args.warmup)))
        return
    backends = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = {db: run_backend(db, args) for db in backends}
    print(report(results))


if __name__ == "__main__":
    main()

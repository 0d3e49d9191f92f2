"""Support benchmark: a member's caseload page and the episode page at production volume.

    .venv/bin/python bench/support_bench.py [--db sqlite|postgres|both] [--children 100000]
        [--episodes 20000] [--requests 500] [--warmup 50]

For each database (SQLite in a temporary data folder; PostgreSQL in a temporary database on
$DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards)
a fresh process with `samverkan.settings.dev` (DEBUG off) migrates, loads the demo municipality
with `load_demo --children N` (timed) and adds episodes up to `--episodes` in the two demo teams,
every state, with the team's staff as members (bulk_create). Logged in with `force_login` as
`teamsocionom` (a team social worker), it gets `/insatser/mina-insatser/` and, cycling through
50 episodes of the team, `/insatser/<id>/` in-process with Django's test Client, `--requests`
times each after `--warmup` untimed ones; the floor in the same loop is the accessibility
statement (`/tillganglighet/`: base.html, the same middleware and login, no query of its own).
Query counts are taken once per page.

Target (DESIGN principle 10, issue "Fast pages"): page p95 within 10 times the floor's p95.
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
TARGET_RATIO = 10.0
FLOOR = "/tillganglighet/"


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


def _more_episodes(total: int) -> int:
    """Episodes in the two demo teams up to `total`, cycling through states and children."""
    import random
    import uuid

    from django.utils import timezone

    from samverkan.access.models import RoleAssignment
    from samverkan.children.models import Child
    from samverkan.demo import data
    from samverkan.organisations.models import Unit
    from samverkan.support.models import Episode, EpisodeMember, EpisodeSubject, EpisodeType

    have = Episode.objects.count()
    if have >= total:
        return have
    rng = random.Random(1)
    teams = list(Unit.objects.filter(name__in=[data.SCHOOL_SOCIAL_TEAM, data.FAMILY_TEAM]))
    types = {t.code: t for t in EpisodeType.objects.all()}
    staff = {
        team.pk: list(
            RoleAssignment.objects.filter(unit=team)
            .exclude(role="work_lead")
            .values_list("user_id", "role")
        )
        for team in teams
    }
    children = list(Child.objects.order_by("pk").values_list("pk", "municipality_id"))
    today = timezone.localdate()
    states = ("active", "active", "active", "ended", "accepted", "requested", "declined")
    episodes, subjects, members = [], [], []
    for index in range(total - have):
        team = teams[index % len(teams)]
        child_id, municipality_id = children[rng.randrange(len(children))]
        status = states[index % len(states)]
        code = "intensive_school_social" if team.name == data.SCHOOL_SOCIAL_TEAM else "network_work"
        started = today - datetime.timedelta(days=rng.randint(0, 120))
        ep = Episode(
            id=uuid.uuid4(),
            municipality_id=municipality_id,
            child_id=child_id,
            domain="social_services",
            category="social_situation",
            owner_unit=team,
            episode_type=types[code],
            status=status,
            source="intake_handover",
            started_on=started if status in ("active", "ended") else None,
            planned_end_on=started + datetime.timedelta(weeks=12)
            if status in ("active", "ended")
            else None,
        )
        episodes.append(ep)
        subjects.append(EpisodeSubject(id=uuid.uuid4(), episode=ep, child_id=child_id))
        if status in ("active", "accepted", "ended"):
            user_id, role = staff[team.pk][index % len(staff[team.pk])]
            members.append(
                EpisodeMember(
                    id=uuid.uuid4(),
                    episode=ep,
                    user_id=user_id,
                    role=role,
                    organisation="social_services",
                    assigned_by_id=user_id,
                )
            )
    Episode.objects.bulk_create(episodes, batch_size=2000)
    EpisodeSubject.objects.bulk_create(subjects, batch_size=2000)
    EpisodeMember.objects.bulk_create(members, batch_size=2000)
    return Episode.objects.count()


def measure(children: int, episodes: int, requests: int, warmup: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from samverkan.access.models import User
    from samverkan.support.models import Episode

    assert not settings.DEBUG, "measure with DEBUG off"
    override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]).enable()
    call_command("migrate", "--noinput", verbosity=0)
    began = time.perf_counter()
    call_command("load_demo", "--children", str(children), "--seed", "1", verbosity=0)
    load_s = time.perf_counter() - began
    total = _more_episodes(episodes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    user = User.objects.get(username="teamsocionom")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get("/")  # stamps the idle timer outside the measured requests
    team_ids = list(
        user.role_assignments.values_list("unit_id", flat=True)  # type: ignore[attr-defined]
    )
    sample = list(
        Episode.objects.filter(owner_unit_id__in=team_ids, status="active")
        .order_by("pk")
        .values_list("pk", flat=True)[:50]
    )
    mine = Episode.objects.filter(
        members__user=user, members__ended_at__isnull=True, status__in=("active", "accepted")
    ).count()

    def get(url: str) -> int:
        start = time.perf_counter_ns()
        response = client.get(url)
        elapsed = time.perf_counter_ns() - start
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed

    pages = {
        "caseload": lambda i: "/insatser/mina-insatser/",
        "episode": lambda i: f"/insatser/{sample[i % len(sample)]}/",
    }
    queries: dict[str, int] = {}
    for name, url in pages.items():
        get(url(0))
        with CaptureQueriesContext(connection) as captured:
            client.get(url(0))
        queries[name] = len(captured)
    samples: dict[str, list[int]] = {"caseload": [], "episode": [], "floor": []}
    for index in range(warmup + requests):
        timed = {name: get(url(index)) for name, url in pages.items()}
        timed["floor"] = get(FLOOR)
        if index >= warmup:
            for name, elapsed in timed.items():
                samples[name].append(elapsed)
    return {
        "engine": connection.vendor,
        "load_s": load_s,
        "children": children,
        "episodes": total,
        "my_open_episodes": mine,
        "requests": requests,
        "warmup": warmup,
        "queries": queries,
        **{name: summary(s) for name, s in samples.items()},
        "loadavg": os.getloadavg(),
    }


# --- driver --------------------------------------------------------------------------------------


def _postgres(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def run_backend(db: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="samverkan-support-bench-") as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "samverkan.settings.dev",
            "SAMVERKAN_DATA_DIR": folder,
            "SAMVERKAN_AUDIT_CHECKPOINT_DIR": str(Path(folder) / "audit"),
            "SAMVERKAN_DEBUG": "",
        }
        env.pop("DATABASE_URL", None)
        name = f"samverkan_support_bench_{os.getpid()}"
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
                    "--children",
                    str(args.children),
                    "--episodes",
                    str(args.episodes),
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
    lines = ["", "Support pages, team social worker; server time in ms (in-process client)", ""]
    lines.append(
        f"  {'db':<10}{'page':<10}{'p50':>8}{'p95':>8}{'floor p95':>11}{'ratio':>8}"
        f"{'queries':>9}  target ratio <= {TARGET_RATIO:.0f}"
    )
    ok = True
    for db, r in results.items():
        for page in ("caseload", "episode"):
            ratio = r[page]["p95"] / r["floor"]["p95"]
            ok &= ratio <= TARGET_RATIO
            lines.append(
                f"  {db:<10}{page:<10}{r[page]['p50']:>8.2f}{r[page]['p95']:>8.2f}"
                f"{r['floor']['p95']:>11.2f}{ratio:>8.1f}{r['queries'][page]:>9}  "
                f"{'ok' if ratio <= TARGET_RATIO else 'OVER'}"
            )
        lines.append(
            f"  {db}: {r['children']} children, {r['episodes']} episodes "
            f"({r['my_open_episodes']} open for the member), load {r['load_s']:.0f} s, "
            f"load average {', '.join(f'{x:.2f}' for x in r['loadavg'])}"
        )
    lines += ["", f"Verdict: {'meets the target' if ok else 'misses the target'}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("DATABASE_URL", DEFAULT_POSTGRES_URL)
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = measure(args.children, args.episodes, args.requests, args.warmup)
        Path(args.measure).write_text(json.dumps(result))
        return
    backends = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = {db: run_backend(db, args) for db in backends}
    print(report(results))


if __name__ == "__main__":
    main()

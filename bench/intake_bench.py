"""Intake benchmark: submitting a report of concern, the intake queue and a school's start page
at production volume, against their floor.

    .venv/bin/python bench/intake_bench.py [--db postgres] [--children 100000] [--items 50000]
        [--requests 300] [--reuse]

For each database (PostgreSQL in a database `samverkan_bench_intake`, SQLite in a temporary data
folder) the script migrates and loads the demo municipality with
`load_demo --children N --intake-items M` (timed), then measures in a fresh process with
`samverkan.settings.dev` (DEBUG off) and Django's test `Client`, logged in with `force_login`,
the same method as `pages_bench.py` (whose statistics, URLconf with the floor view, SQL recorder
and replay it imports):

- submit: `POST` of the report form (`intake:report_new`) as `rektor`, a child enrolled at the
  school and a fresh `request_id` each time; a 302 to the sent item is expected;
- the service alone: `intake.services.report_submit` called directly, the same inputs;
- the intake queue (`intake:queue`) as `mottagning`, whose unit holds every demo item;
- the start page (`start`) as `rektor`, and the report form's `GET` as `rektor`;
- floor, request by request: the bare view `bench/floor/` plus the page's essential SQL. For the
  pages that is pages_bench's: their own reads replayed on a cursor. The submit's writes cannot be
  replayed (the item exists), so its floor adds the time its own writes and their commit took in
  place (timed around each statement), still without the audit log's statements;
- queries per request (CaptureQueriesContext), the queue both for the full intake unit and for a
  small intake unit the script adds with five items (the count must not grow with the items);
- the statements that take the time, per page (a separate pass, timed in place).

Results: a table on stdout and bench/results/intake-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import pages_bench  # noqa: E402  (the repository root is on the path only now)
from bench.pages_bench import Recorder, summarize  # noqa: E402

BENCH_DATABASE = "samverkan_bench_intake"
TARGET_SUBMIT_MS = 50.0
TARGET_PAGE_MS = 25.0
TARGET_RATIO = pages_bench.TARGET_RATIO
SMALL_UNIT = "Bench: mottagning med få ärenden"
SMALL_USER = "bench-mottagning-fa"
SMALL_ITEMS = 5
PROFILE_TOP = 8

WRITE_TABLE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


# --- preparation (parent process, no Django) -----------------------------------------------


def data_dir(db: str) -> Path:
    return Path(tempfile.gettempdir()) / "samverkan-bench-intake" / db


def backend_env(db: str, postgres_url: str) -> dict[str, str]:
    folder = data_dir(db)
    env = {
        "DJANGO_SETTINGS_MODULE": "samverkan.settings.dev",
        "SAMVERKAN_DATA_DIR": str(folder),
        "SAMVERKAN_AUDIT_CHECKPOINT_DIR": str(folder / "audit"),
        "SAMVERKAN_DEBUG": "",
    }
    if db == "postgres":
        env["DATABASE_URL"] = urlunsplit(urlsplit(postgres_url)._replace(path=f"/{BENCH_DATABASE}"))
    return env


def _loaded_children(db: str, env: dict[str, str]) -> int | None:
    query = "SELECT count(*) FROM children_child"
    try:
        if db == "sqlite":
            path = data_dir(db) / "samverkan.sqlite3"
            if not path.exists():
                return None
            with sqlite3.connect(path) as conn:
                return int(conn.execute(query).fetchone()[0])
        with pages_bench._postgres(env["DATABASE_URL"], connect_timeout=5) as conn:
            return int(conn.execute(query).fetchone()[0])
    except Exception:
        return None


def _vacuum_analyze(env: dict[str, str]) -> float:
    began = time.perf_counter()
    with pages_bench._postgres(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - began


def prepare(
    db: str, *, children: int, items: int, seed: int, reuse: bool, postgres_url: str
) -> dict[str, Any]:
    """Migrate and load the bench database, or with `reuse` keep one loaded with the same sizes."""
    env = backend_env(db, postgres_url)
    folder = data_dir(db)
    meta_path = folder / "bench-meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    same = (meta.get("children"), meta.get("items"), meta.get("seed")) == (children, items, seed)
    if reuse and same and _loaded_children(db, env) == children:
        migrate_seconds = pages_bench._manage(env, "migrate", "--noinput", "-v", "0")
        if db == "postgres":
            # A migration since the load may have added columns or indexes without statistics.
            _vacuum_analyze(env)
        print(f"[{db}] reusing the loaded bench database", flush=True)
        return {**meta, "env": env, "reused": True, "migrate_seconds": migrate_seconds}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if db == "postgres":
        with pages_bench._postgres(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    print(f"[{db}] migrating", flush=True)
    migrate_seconds = pages_bench._manage(env, "migrate", "--noinput", "-v", "0")
    load = ("--children", str(children), "--intake-items", str(items), "--seed", str(seed))
    print(f"[{db}] load_demo {' '.join(load)}", flush=True)
    load_seconds = pages_bench._manage(env, "load_demo", *load)
    # As pages_bench: measure the state autovacuum reaches a minute after the bulk load.
    analyze_seconds = _vacuum_analyze(env) if db == "postgres" else 0.0
    meta = {
        "children": children,
        "items": items,
        "seed": seed,
        "migrate_seconds": migrate_seconds,
        "load_seconds": load_seconds,
        "analyze_seconds": analyze_seconds,
        "loaded_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    print(f"[{db}] loaded in {load_seconds:.1f} s", flush=True)
    return {**meta, "env": env, "reused": False}


# --- measurement (a fresh process per backend) ---------------------------------------------


class TimedRecorder(Recorder):
    """pages_bench's Recorder that also times each statement and commit where it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.timed: list[tuple[str, int]] = []  # (sql or "COMMIT", nanoseconds), in order

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any
    ) -> Any:
        self.statements.append((sql, params))
        began = time.perf_counter_ns()
        try:
            return execute(sql, params, many, ctx)
        finally:
            self.timed.append((sql, time.perf_counter_ns() - began))

    def commit(self, elapsed: int) -> None:
        self.timed.append(("COMMIT", elapsed))

    def essential_writes_ns(self, floor_tables: set[str]) -> int:
        """In-place time of the page's own writes: INSERT/UPDATE/DELETE except on the audit log
        and on the tables the floor view uses too (session), plus the savepoints and the commit
        of each transaction that held such a write."""
        total = pending = 0
        wrote = False
        for sql, elapsed in self.timed:
            if sql == "COMMIT":
                if wrote:
                    total += pending + elapsed
                pending, wrote = 0, False
                continue
            if sql.lstrip().upper().startswith("SELECT"):
                continue  # reads are replayed, as for the pages
            match = WRITE_TABLE.match(sql)
            if match is None:
                pending += elapsed  # SAVEPOINT, RELEASE: part of the transaction
            elif not match.group(1).startswith("audit_") and match.group(1) not in floor_tables:
                wrote = True
                total += elapsed
        return total


@contextlib.contextmanager
def _timed_commits(recorder: TimedRecorder) -> Iterator[None]:
    """Time the connection's commits (Django commits outside the execute wrappers)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    wrapper = connections[DEFAULT_DB_ALIAS]
    original = wrapper._commit

    def commit() -> Any:
        began = time.perf_counter_ns()
        try:
            return original()
        finally:
            recorder.commit(time.perf_counter_ns() - began)

    wrapper._commit = commit  # type: ignore[method-assign]
    try:
        yield
    finally:
        del wrapper._commit


def _post(client: Any, path: str, data: dict[str, str]) -> int:
    """Server time of one in-process POST, in nanoseconds; anything but a redirect fails."""
    began = time.perf_counter_ns()
    response = client.post(path, data)
    elapsed = time.perf_counter_ns() - began
    if response.status_code != 302:
        errors = re.findall(r'class="govuk-error-message"[^>]*>(.*?)</', response.content.decode())
        raise RuntimeError(f"POST {path} answered {response.status_code}: {errors[:5]}")
    return elapsed


def _write_section(
    name: str,
    items: list[tuple[str, Any]],
    warmup: int,
    page: Callable[[Any], int],
    floor: Callable[[], int],
) -> dict[str, Any]:
    """pages_bench._section for a page that writes: per request the page (statements recorded
    and timed in place), the bare floor view, the page's reads replayed; floor = bare + reads
    replayed + its own writes and commits as timed in the page."""
    from django.db import connection

    samples: dict[str, list[int]] = {k: [] for k in ("page", "bare", "reads", "writes", "sql")}
    samples["floor"] = []
    gc.collect()
    for i, (_kind, arg) in enumerate(items):
        recorder, floor_recorder = TimedRecorder(), Recorder()
        with connection.execute_wrapper(recorder), _timed_commits(recorder):
            t_page = page(arg)
        with connection.execute_wrapper(floor_recorder):
            t_bare = floor()
        floor_tables = floor_recorder.tables()
        t_reads, _rows = pages_bench._replay(recorder.essential(floor_tables))
        t_writes = recorder.essential_writes_ns(floor_tables)
        if i < warmup:
            continue
        t_sql = t_reads + t_writes
        values = {
            "page": t_page,
            "bare": t_bare,
            "reads": t_reads,
            "writes": t_writes,
            "sql": t_sql,
            "floor": t_bare + t_sql,
        }
        for key, value in values.items():
            samples[key].append(value)
    stats = {key: summarize(values) for key, values in samples.items()}
    ratio = stats["page"]["p95"] / stats["floor"]["p95"]
    print(
        f"  {name:<24} page p50 {stats['page']['p50']:7.2f} p95 {stats['page']['p95']:7.2f} ms"
        f"  floor p95 {stats['floor']['p95']:7.2f} ms  ratio {ratio:4.2f}",
        flush=True,
    )
    return {"stats": stats, "ratio": ratio}


def _service_section(
    name: str, items: list[tuple[str, Any]], warmup: int, call: Callable[[Any], Any]
) -> dict[str, Any]:
    """The service alone: its time, and the time of all its SQL in place (reads, writes,
    commits, the audit log), for the share that is Python."""
    from django.db import connection

    samples: dict[str, list[int]] = {"page": [], "sql": []}
    gc.collect()
    for i, (_kind, arg) in enumerate(items):
        recorder = TimedRecorder()
        with connection.execute_wrapper(recorder), _timed_commits(recorder):
            began = time.perf_counter_ns()
            call(arg)
            elapsed = time.perf_counter_ns() - began
        if i >= warmup:
            samples["page"].append(elapsed)
            samples["sql"].append(sum(ns for _sql, ns in recorder.timed))
    stats = {key: summarize(values) for key, values in samples.items()}
    print(
        f"  {name:<24} p50 {stats['page']['p50']:7.2f} p95 {stats['page']['p95']:7.2f} ms"
        f"  of which SQL in place p50 {stats['sql']['p50']:6.2f} ms",
        flush=True,
    )
    return {"stats": stats, "ratio": None}


def _sql_profile(items: list[Any], run: Callable[[Any], Any]) -> list[dict[str, Any]]:
    """The statements that take the time: each timed in place over `items` requests, grouped by
    their SQL text; mean milliseconds per request, heaviest first."""
    from django.db import connection

    times: dict[str, list[int]] = {}
    for arg in items:
        recorder = TimedRecorder()
        with connection.execute_wrapper(recorder), _timed_commits(recorder):
            run(arg)
        for sql, elapsed in recorder.timed:
            times.setdefault(sql, []).append(elapsed)
    n = max(len(items), 1)
    rows = [
        {
            "ms_per_request": sum(values) / n / 1e6,
            "per_request": len(values) / n,
            "p50_ms": summarize(values)["p50"],
            "sql": sql[:600],
        }
        for sql, values in times.items()
    ]
    rows.sort(key=lambda r: -r["ms_per_request"])
    return rows[:PROFILE_TOP]


def _small_unit(intake_user: Any) -> Any:
    """An intake unit with a few items and a worker, beside the demo's (idempotent): the queue's
    query count with five items against the count with every demo item."""
    from samverkan.access.models import User
    from samverkan.access.roles import Role
    from samverkan.access.tests.factories import staff
    from samverkan.intake.models import IntakeItem
    from samverkan.organisations.models import Unit

    found = User.objects.filter(username=SMALL_USER).first()
    if found is not None:
        return found
    demo_unit = Unit.objects.get(
        municipality_id=intake_user.municipality_id, function=Unit.Function.INTAKE
    )
    unit = Unit.objects.create(
        municipality_id=demo_unit.municipality_id,
        parent_id=demo_unit.parent_id,
        name=SMALL_UNIT,
        kind=demo_unit.kind,
        domain=demo_unit.domain,
        function=Unit.Function.INTAKE,
        valid_from=demo_unit.valid_from,
    )
    user = staff(Role.INTAKE_SOCIAL_WORKER, unit, username=SMALL_USER)
    copies = []
    open_items = IntakeItem.objects.filter(
        owner_unit=demo_unit, status__in=[IntakeItem.Status.NEW, IntakeItem.Status.IN_PROGRESS]
    ).order_by("received_at", "pk")[:SMALL_ITEMS]
    for index, item in enumerate(open_items):
        item.pk = uuid.uuid4()
        item.owner_unit = unit
        item.assigned_to = None
        item.request_id = None
        item.reference = f"BENCH-{index:06d}"
        copies.append(item)
    IntakeItem.objects.bulk_create(copies)
    return user


def _row_counts() -> dict[str, int]:
    from samverkan.audit.models import AuditEvent
    from samverkan.children.models import Child, Enrolment
    from samverkan.intake.models import IntakeItem

    models = (Child, Enrolment, IntakeItem, AuditEvent)
    return {m._meta.label_lower: m.objects.count() for m in models}


def measure(*, requests: int, warmup: int, seed: int, profile: int) -> dict[str, Any]:
    """Everything timed for one backend; Django is set up from the environment."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from samverkan.access.actor import actor_load
    from samverkan.access.models import User
    from samverkan.children.models import Enrolment
    from samverkan.demo.intake import OBSERVED, SITUATIONS
    from samverkan.intake import selectors, services, views_school
    from samverkan.intake.models import IntakeItem, TriState

    pages_bench._install_urlconf()
    override_settings(
        ROOT_URLCONF=pages_bench.URLCONF, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    ).enable()
    assert not settings.DEBUG, "measure with DEBUG off"
    rng = random.Random(seed)
    total = warmup + requests
    result: dict[str, Any] = {
        "loadavg_before": os.getloadavg(),
        "database": pages_bench._database_info(),
        "rows": _row_counts(),
        "pages": {},
        "queries": {},
        "profile": {},
    }

    def login(username: str) -> tuple[Any, Any]:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        actor = actor_load(user=user)
        assert actor is not None, f"{username} has no role today"
        return client, actor

    rektor, principal = login("rektor")
    mottagning, intake_worker = login("mottagning")
    small_user = _small_unit(User.objects.get(username="mottagning"))
    small, small_actor = login(small_user.username)
    for client in (rektor, mottagning, small):
        client.get("/bench/floor/")  # stamps the idle timer outside the measured requests

    start_url, queue_url = reverse("start"), reverse("intake:queue")
    form_url = reverse("intake:report_new")
    schools = views_school.sender_schools(principal)
    school_ids = frozenset(pk for pk, _name in schools)
    # Children enrolled today at rektor's school, as the form's search would offer them.
    enrolled = (
        Enrolment.objects.current()
        .filter(school_id__in=school_ids)
        .order_by("child_id")
        .values_list("child_id", flat=True)[:3000]
    )
    children = selectors.sender_children(
        actor=principal, school_ids=school_ids, child_ids=list(enrolled)
    )
    assert children, "rektor has no child to report about"
    tri = list(TriState.values)

    def report_fields() -> dict[str, str]:
        choice = rng.choice(children)
        return {
            "school": str(choice.school_id),
            "child": str(choice.child_id),
            "observed": rng.choice(OBSERVED),
            "situation": rng.choice(SITUATIONS),
            "needs_protection_now": rng.choice(tri),
            "guardians_informed": rng.choice(tri),
            "wants_feedback": "on",
            "reporter_phone": "070-174 06 42",
            "consultation": "",
            "request_id": str(uuid.uuid4()),
            # Random children and texts repeat now and then: past the duplicate warning (the
            # lookup runs either way, so the figures still include it).
            "confirm_duplicate": "1",
        }

    def submit_service(fields: dict[str, str]) -> Any:
        return services.report_submit(
            actor=principal,
            school_id=uuid.UUID(fields["school"]),
            child_id=uuid.UUID(fields["child"]),
            observed=fields["observed"],
            situation=fields["situation"],
            needs_protection_now=fields["needs_protection_now"],
            guardians_informed=fields["guardians_informed"],
            wants_feedback=True,
            reporter_phone=fields["reporter_phone"],
            request_id=uuid.UUID(fields["request_id"]),
            confirm_duplicate=True,
        )

    def get(client: Any, url: str) -> Callable[[Any], int]:
        return lambda _arg: pages_bench._get(client, url)

    def floor(client: Any) -> Callable[[], int]:
        return lambda: pages_bench._get(client, "/bench/floor/")

    def same(count: int) -> list[tuple[str, Any]]:
        return [("page", None)] * count

    def fresh(count: int) -> list[tuple[str, Any]]:
        return [("page", report_fields()) for _ in range(count)]

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"[{engine}] {requests} requests per page after {warmup} warm-up", flush=True)
    pages = result["pages"]
    pages["start"] = pages_bench._section(
        "start page (rektor)", same(total), warmup, get(rektor, start_url), floor(rektor)
    )
    pages["queue"] = pages_bench._section(
        "queue (mottagning)", same(total), warmup, get(mottagning, queue_url), floor(mottagning)
    )
    pages["form"] = pages_bench._section(
        "report form GET (rektor)", same(total), warmup, get(rektor, form_url), floor(rektor)
    )
    pages["submit"] = _write_section(
        "submit report (rektor)",
        fresh(total),
        warmup,
        lambda fields: _post(rektor, form_url, fields),
        floor(rektor),
    )
    pages["service"] = _service_section("report_submit alone", fresh(total), warmup, submit_service)

    def count(client: Any, run: Callable[[], Any]) -> dict[str, Any]:
        # The idle timer writes the session at most once a minute: stamp it first, so that
        # write (three statements) is in no count.
        pages_bench._get(client, "/bench/floor/")
        return pages_bench._query_log(run)

    queries = result["queries"]
    queries["start"] = count(rektor, lambda: pages_bench._get(rektor, start_url))
    queries["queue"] = count(mottagning, lambda: pages_bench._get(mottagning, queue_url))
    queries["queue:small"] = count(small, lambda: pages_bench._get(small, queue_url))
    queries["queue:all"] = count(
        mottagning, lambda: pages_bench._get(mottagning, queue_url, {"status": "all"})
    )
    queries["form"] = count(rektor, lambda: pages_bench._get(rektor, form_url))
    queries["submit"] = count(rektor, lambda: _post(rektor, form_url, report_fields()))
    queries["service"] = count(rektor, lambda: submit_service(report_fields()))
    queries["floor"] = count(rektor, lambda: pages_bench._get(rektor, "/bench/floor/"))
    link = 'href="/mottagning/arenden/'
    result["queue_rows"] = {
        "queue": mottagning.get(queue_url).content.decode().count(link),
        "queue:small": small.get(queue_url).content.decode().count(link),
        "queue:all": mottagning.get(queue_url, {"status": "all"}).content.decode().count(link),
    }
    open_status = [IntakeItem.Status.NEW, IntakeItem.Status.IN_PROGRESS]
    result["unit_items"] = {
        name: {
            "items": IntakeItem.objects.filter(owner_unit_id__in=actor.intake_unit_ids).count(),
            "open": IntakeItem.objects.filter(
                owner_unit_id__in=actor.intake_unit_ids, status__in=open_status
            ).count(),
        }
        for name, actor in (("queue", intake_worker), ("queue:small", small_actor))
    }

    if profile:
        prof = result["profile"]
        prof["start"] = _sql_profile([None] * profile, get(rektor, start_url))
        prof["queue"] = _sql_profile([None] * profile, get(mottagning, queue_url))
        prof["form"] = _sql_profile([None] * profile, get(rektor, form_url))
        prof["submit"] = _sql_profile(
            [report_fields() for _ in range(profile)],
            lambda fields: _post(rektor, form_url, fields),
        )
        prof["service"] = _sql_profile([report_fields() for _ in range(profile)], submit_service)
    result["rows_after"] = _row_counts()
    result["loadavg_after"] = os.getloadavg()
    return result


def _measure_child(env: dict[str, str], options: dict[str, Any], queue: Any) -> None:
    os.environ.update(env)
    if "DATABASE_URL" not in env:
        os.environ.pop("DATABASE_URL", None)
    try:
        queue.put(("ok", measure(**options)))
    except BaseException:
        queue.put(("error", traceback.format_exc()))
        raise


def measure_backend(db: str, env: dict[str, str], options: dict[str, Any]) -> dict[str, Any]:
    queue = pages_bench.SPAWN.Queue()
    proc = pages_bench.SPAWN.Process(target=_measure_child, args=(env, options, queue))
    proc.start()
    status, payload = queue.get()
    proc.join()
    if status != "ok":
        raise RuntimeError(f"{db}: measurement failed\n{payload}")
    return payload  # type: ignore[no-any-return]


# --- report --------------------------------------------------------------------------------

ROWS = (
    # key, label, target p95 in ms (None: for information)
    ("submit", "submit report (rektor)", TARGET_SUBMIT_MS),
    ("service", "report_submit alone", None),
    ("queue", "queue (mottagning)", TARGET_PAGE_MS),
    ("start", "start page (rektor)", TARGET_PAGE_MS),
    ("form", "report form GET (rektor)", None),
)


def run(args: argparse.Namespace) -> dict[str, Any]:
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    report: dict[str, Any] = {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": pages_bench.machine_info(),
        "settings": {
            "children": args.children,
            "items": args.items,
            "requests": args.requests,
            "warmup": args.warmup,
            "seed": args.seed,
            "profile": args.profile,
            "targets": {
                "submit_p95_ms": TARGET_SUBMIT_MS,
                "page_p95_ms": TARGET_PAGE_MS,
                "ratio": TARGET_RATIO,
            },
        },
        "backends": {},
    }
    for db in dbs:
        prepared = prepare(
            db,
            children=args.children,
            items=args.items,
            seed=args.seed,
            reuse=args.reuse,
            postgres_url=args.postgres_url,
        )
        env = prepared.pop("env")
        options = {
            "requests": args.requests,
            "warmup": args.warmup,
            "seed": args.seed,
            "profile": args.profile,
        }
        report["backends"][db] = {"load": prepared, **measure_backend(db, env, options)}
    report["finished_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return report


def _short_sql(sql: str, width: int = 96) -> str:
    text = re.sub(r"\s+", " ", sql.replace('"', ""))
    return text if len(text) <= width else text[: width - 1] + "…"


def format_report(report: dict[str, Any]) -> str:
    m, s = report["machine"], report["settings"]
    lines = [
        "",
        f"Samverkan intake benchmark, {report['started_at']}: {s['children']} children, "
        f"{s['items']} intake items, {s['requests']} requests per page after {s['warmup']} "
        "warm-up",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
        f"Django {m['django']}",
    ]
    for db, b in report["backends"].items():
        d, load = b["database"], b["load"]
        before, after = b["loadavg_before"], b["loadavg_after"]
        load_s = f"{load['load_seconds']:.1f} s" if load.get("load_seconds") else "?"
        lines += [
            f"{db}: {d['vendor']} {d['version']}; load_demo {load_s}"
            f"{' (reused)' if load['reused'] else ''}, migrate {load['migrate_seconds']:.1f} s;"
            f" rows {b['rows']}",
            f"  load average (1, 5, 15 min) before {before[0]:.2f} {before[1]:.2f}"
            f" {before[2]:.2f}, after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}",
        ]
    lines += [
        "",
        "Server time in ms; floor = bare view + the page's essential SQL (reads replayed; the"
        " submit's writes as timed in place), per request; ratio = p95 / floor p95",
        f"  {'db':<9}{'page':<26}{'queries':>8}{'p50':>8}{'p95':>8}{'bare p95':>10}"
        f"{'sql p95':>9}{'floor p95':>11}{'ratio':>7}  {'target':<9}{'met?':<5}",
    ]
    for db, b in report["backends"].items():
        for key, label, target in ROWS:
            page = b["pages"][key]
            st = page["stats"]
            queries = b["queries"][key]["count"]
            if page["ratio"] is None:  # the service alone: no floor, its SQL timed in place
                floor_cells = f"{'-':>10}{st['sql']['p95']:>9.2f}{'-':>11}{'-':>7}"
            else:
                floor_cells = (
                    f"{st['bare']['p95']:>10.2f}{st['sql']['p95']:>9.2f}"
                    f"{st['floor']['p95']:>11.2f}{page['ratio']:>7.2f}"
                )
            if target is None:
                verdict = f"{'-':<9}{'-':<5}"
            else:
                met = "ok" if st["page"]["p95"] < target else "MISS"
                verdict = f"{f'p95<{target:.0f}':<9}{met:<5}"
            lines.append(
                f"  {db:<9}{label:<26}{queries:>8}{st['page']['p50']:>8.2f}"
                f"{st['page']['p95']:>8.2f}{floor_cells}  {verdict}"
            )
    lines += [
        "",
        "The submit around the service: submit minus report_submit alone (middleware, form,"
        " child list, redirect)",
    ]
    for db, b in report["backends"].items():
        submit, service = b["pages"]["submit"]["stats"]["page"], b["pages"]["service"]["stats"]
        lines.append(
            f"  {db:<9}p50 {submit['p50'] - service['page']['p50']:.2f} ms,"
            f" p95 {submit['p95'] - service['page']['p95']:.2f} ms"
            f" (the floor view: {b['queries']['floor']['count']} queries)"
        )
    lines += ["", "Queries per queue page (constant in the number of items?)"]
    for db, b in report["backends"].items():
        q, rows, units = b["queries"], b["queue_rows"], b["unit_items"]
        constant = q["queue"]["count"] == q["queue:small"]["count"] == q["queue:all"]["count"]
        lines.append(
            f"  {db:<9}demo intake unit ({units['queue']['items']} items, "
            f"{units['queue']['open']} open, {rows['queue']} shown): {q['queue']['count']};"
            f" all statuses ({rows['queue:all']} shown): {q['queue:all']['count']};"
            f" small unit ({units['queue:small']['items']} items, {rows['queue:small']} shown):"
            f" {q['queue:small']['count']}  {'constant' if constant else 'VARIES'}"
        )
    if any(b["profile"] for b in report["backends"].values()):
        lines += ["", "Where the SQL time goes: statements timed in place, mean ms per request"]
        for db, b in report["backends"].items():
            for key, label, _target in ROWS:
                for row in b["profile"].get(key, [])[:3]:
                    lines.append(
                        f"  {db:<9}{label:<26}{row['ms_per_request']:>7.2f}"
                        f"  x{row['per_request']:<4.1f} {_short_sql(row['sql'])}"
                    )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="postgres")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=50_000, help="load_demo --intake-items")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests first")
    parser.add_argument(
        "--profile", type=int, default=30, help="requests per page timed statement by statement"
    )
    parser.add_argument("--seed", type=int, default=1, help="load_demo seed and the inputs")
    parser.add_argument(
        "--reuse", action="store_true", help="keep a bench database loaded with the same sizes"
    )
    parser.add_argument(
        "--postgres-url",
        default=pages_bench.DEFAULT_POSTGRES_URL,
        help=f"a PostgreSQL server's admin database; the bench uses {BENCH_DATABASE} on it",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args()
    report = run(args)
    print(format_report(report))
    path = pages_bench.save_report(report, prefix="intake")
    print(f"\nResults: {path.relative_to(REPO)}")


if __name__ == "__main__":
    from bench.intake_bench import main as bench_main

    bench_main()

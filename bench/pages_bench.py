"""Page benchmark: child search and the child overview at production volume, against their floor.

    .venv/bin/python bench/pages_bench.py --db both --children 100000 --requests 1000 [--reuse]

For each database (SQLite in a temporary data folder, PostgreSQL in a database `samverkan_bench`)
the script migrates, loads the demo municipality with `load_demo --children N` (timed), and then,
in a fresh process with `samverkan.settings.dev` (DEBUG off), measures in-process with Django's
test `Client`, logged in with `force_login` as `rektor` (principal) and `mottagning` (intake):

- page: the server time of `client.get(...)` of child search and the child overview, over
  `--requests` requests each after a warm-up, with varying queries and children;
- floor, per request and in the same run: a bare view (`bench/floor/`, `@policy(AUTHENTICATED)`,
  a template extending base.html, no query beyond the middleware's) under the same middleware and
  login, plus the page's essential SQL (its own reads, recorded as the page issued them, without
  the session, user and actor reads the floor makes too) replayed directly on a cursor.
  Ratio = page p95 / floor p95;
- the audit write: the overview with `audit.services.record` as is, with sealing disabled, and
  with `record` replaced by a no-op, interleaved;
- where each page's time goes (actor, selectors, audit insert and seal, render, the rest), in a
  separate pass with wrappers around those functions;
- the query count of each page (CaptureQueriesContext).

`bench/run.py` (used by `make bench`) runs this and then `bench/audit_bench.py`.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import gc
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import types
from collections.abc import Callable, Iterable
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
SPAWN = get_context("spawn")

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "samverkan_bench"
URLCONF = "bench.urls_bench"
ROLES = ("rektor", "mottagning")  # principal of Centralskolan; intake social worker
AUDIT_ROLE = "mottagning"
TARGET_P95_MS = 25.0
TARGET_RATIO = 3.0
SEARCH_KINDS = ("surname_common", "full_name", "rare_name", "no_match", "identity_number")
AUDIT_VARIANTS = ("audit", "append_only", "none")

FLOOR_TEMPLATE = """{% extends "base.html" %}{% load i18n %}
{% block title %}Golv{% endblock %}
{% block content %}
<h1 class="govuk-heading-l">Golv</h1>
<p class="govuk-body">Samma sidmall, mellanprogram och inloggning som sidorna, ingen egen fråga.</p>
{% endblock %}
"""


# --- statistics ----------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) of an ordered list."""
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize(samples_ns: Iterable[int]) -> dict[str, float]:
    """Milliseconds: n, mean, p50, p95, p99, max."""
    ordered = sorted(s / 1e6 for s in samples_ns)
    return {
        "n": len(ordered),
        "mean": sum(ordered) / len(ordered) if ordered else float("nan"),
        "p50": percentile(ordered, 0.50),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else float("nan"),
    }


# --- preparation (parent process, no Django) -----------------------------------------------


def data_dir(db: str) -> Path:
    return Path(tempfile.gettempdir()) / "samverkan-bench" / db


def bench_database_url(admin_url: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def backend_env(db: str, postgres_url: str) -> dict[str, str]:
    """The environment of every process that works on this backend's bench database."""
    folder = data_dir(db)
    env = {
        "DJANGO_SETTINGS_MODULE": "samverkan.settings.dev",
        "SAMVERKAN_DATA_DIR": str(folder),
        "SAMVERKAN_AUDIT_CHECKPOINT_DIR": str(folder / "audit"),
        "SAMVERKAN_DEBUG": "",
    }
    if db == "postgres":
        env["DATABASE_URL"] = bench_database_url(postgres_url)
    return env


def _process_env(env: dict[str, str]) -> dict[str, str]:
    full = {**os.environ, **env}
    if "DATABASE_URL" not in env:
        full.pop("DATABASE_URL", None)
    return full


def _postgres(url: str, **kwargs: Any) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), **kwargs)


def _manage(env: dict[str, str], *args: str) -> float:
    """Run a `samverkan` management command in its own process; seconds it took."""
    script = Path(sys.executable).with_name("samverkan")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "samverkan.manage"]
    began = time.perf_counter()
    subprocess.run([*command, *args], env=_process_env(env), cwd=REPO, check=True)
    return time.perf_counter() - began


def loaded_children(db: str, env: dict[str, str]) -> int | None:
    """Children in an existing bench database, or None when there is none to reuse."""
    try:
        if db == "sqlite":
            path = data_dir(db) / "samverkan.sqlite3"
            if not path.exists():
                return None
            with sqlite3.connect(path) as conn:
                return int(conn.execute("SELECT count(*) FROM children_child").fetchone()[0])
        with _postgres(env["DATABASE_URL"], connect_timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM children_child").fetchone()[0])
    except Exception:
        return None


def prepare(db: str, *, children: int, seed: int, reuse: bool, postgres_url: str) -> dict[str, Any]:
    """Migrate and load the bench database, or reuse a loaded one with `reuse`."""
    env = backend_env(db, postgres_url)
    folder = data_dir(db)
    meta_path = folder / "bench-meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if reuse and loaded_children(db, env) == children and meta.get("seed", seed) == seed:
        migrate_seconds = _manage(env, "migrate", "--noinput", "-v", "0")
        print(f"[{db}] reusing the loaded bench database ({children} children)", flush=True)
        return {
            "env": env,
            "reused": True,
            "children": children,
            "seed": meta.get("seed"),
            "migrate_seconds": migrate_seconds,
            "load_seconds": meta.get("load_seconds"),
            "loaded_at": meta.get("loaded_at"),
        }
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if db == "postgres":
        with _postgres(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    print(f"[{db}] migrating", flush=True)
    migrate_seconds = _manage(env, "migrate", "--noinput", "-v", "0")
    print(f"[{db}] load_demo --children {children} --seed {seed}", flush=True)
    load_seconds = _manage(env, "load_demo", "--children", str(children), "--seed", str(seed))
    analyze_seconds = 0.0
    if db == "postgres":
        # Autovacuum analyses a freshly loaded table within a minute; measure that steady state
        # rather than the planner's guesses in the first seconds after a bulk load.
        began = time.perf_counter()
        with _postgres(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        analyze_seconds = time.perf_counter() - began
    meta = {
        "children": children,
        "seed": seed,
        "migrate_seconds": migrate_seconds,
        "load_seconds": load_seconds,
        "analyze_seconds": analyze_seconds,
        "loaded_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    print(f"[{db}] loaded in {load_seconds:.1f} s", flush=True)
    return {"env": env, "reused": False, **meta}


# --- measurement (a fresh process per backend, Django set up there) -----------------------


FIRST_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?', re.IGNORECASE)


def _first_table(sql: str) -> str:
    match = FIRST_TABLE.search(sql)
    return match.group(1) if match else ""


class Recorder:
    """An execute wrapper that keeps every statement so it can be replayed on a bare cursor.
    Installed around the page and the floor request alike, so both pay its microsecond."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def tables(self) -> set[str]:
        return {table for sql, _params in self.statements if (table := _first_table(sql))}

    def essential(self, floor_tables: set[str]) -> list[tuple[str, Any]]:
        """The page's own reads, exactly as it issued them: every SELECT except those on the
        tables the floor view reads too (session, user, actor) and on the audit log (measured on
        its own). No BEGIN/COMMIT, no writes."""
        return [
            (sql, params)
            for sql, params in self.statements
            if sql.lstrip().upper().startswith("SELECT")
            and (table := _first_table(sql))
            and table not in floor_tables
            and not table.startswith("audit_")
        ]

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any
    ) -> Any:
        self.statements.append((sql, params))
        return execute(sql, params, many, ctx)


def _install_urlconf() -> None:
    """`bench.urls_bench`: the site's URLconf plus the floor view, without a file on disk."""
    from django.http import HttpRequest, HttpResponse
    from django.template import engines
    from django.urls import include, path
    from django.views.decorators.http import require_GET

    from samverkan import urls as site_urls
    from samverkan.access.decisions import AUTHENTICATED, policy

    template = engines["django"].from_string(FLOOR_TEMPLATE)

    @require_GET
    @policy(AUTHENTICATED)
    def floor_view(request: HttpRequest) -> HttpResponse:
        """The same layout, middleware and login as the pages, with no query of its own."""
        return HttpResponse(template.render({}, request))

    module = types.ModuleType(URLCONF)
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/floor/", floor_view, name="bench_floor"),
        path("", include("samverkan.urls")),
    ]
    module.handler403 = site_urls.handler403  # type: ignore[attr-defined]
    module.handler404 = site_urls.handler404  # type: ignore[attr-defined]
    sys.modules[URLCONF] = module


def _get(client: Any, path: str, data: dict[str, str] | None = None) -> int:
    """Server time of one in-process GET, in nanoseconds; anything but 200 is a failure."""
    began = time.perf_counter_ns()
    response = client.get(path, data)
    elapsed = time.perf_counter_ns() - began
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} {data or ''} answered {response.status_code}")
    return elapsed


def _replay(statements: list[tuple[str, Any]]) -> tuple[int, int]:
    """Run recorded statements directly on a cursor and fetch every row: nanoseconds, and the
    rows the first statement returned (the search's hits)."""
    from django.db import connection

    rows: list[int] = []
    began = time.perf_counter_ns()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            rows.append(len(cursor.fetchall()))
    return time.perf_counter_ns() - began, rows[0] if rows else 0


def _format_identity(digits: str) -> str:
    return f"{digits[:8]}-{digits[8:]}"


def _search_terms(actor: Any, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text), cycling through the kinds, among the children this actor may see: a common
    surname (hundreds of hits), a child's full name (a handful), a full name only one child has
    (longer names containing it match too), a mistyped surname (no hit: the worst case for a
    substring scan) and an identity number."""
    from django.db.models import Count

    from samverkan.children import policies
    from samverkan.children.models import Child

    visible = Child.objects.filter(policies.children_visible_to(actor))
    by_family = list(
        visible.values("family_name").annotate(n=Count("pk")).order_by("-n", "family_name")
    )
    common = [r["family_name"] for r in by_family[:10]]
    rare = [
        f"{r['given_name']} {r['family_name']}"
        for r in visible.values("given_name", "family_name")
        .annotate(n=Count("pk"))
        .filter(n=1)
        .order_by("family_name", "given_name")
    ]
    people = list(
        visible.order_by("pk").values_list("given_name", "family_name", "identity_number")
    )
    terms: list[tuple[str, str]] = []
    for i in range(count):
        kind = SEARCH_KINDS[i % len(SEARCH_KINDS)]
        given, family, digits = rng.choice(people)
        if kind == "surname_common":
            text = rng.choice(common)
        elif kind == "full_name":
            text = f"{given} {family}"
        elif kind == "rare_name":
            text = rng.choice(rare) if rare else f"{given} {family}"
        elif kind == "no_match":
            text = f"{family[:-1]}qx{family[-1]}"
        else:
            text = _format_identity(digits)
        terms.append((kind, text))
    return terms


def _overview_children(actor: Any, count: int, rng: random.Random) -> list[tuple[str, Any]]:
    """(kind, child id): alternately a child with notes the actor may read (the children staff
    actually open) and any child the actor may see."""
    from samverkan.children import policies
    from samverkan.children.models import Child, Note

    visible = list(
        Child.objects.filter(policies.children_visible_to(actor))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    visible_set = set(visible)
    with_notes = sorted(
        {
            child_id
            for child_id in Note.objects.filter(policies.notes_visible_to(actor)).values_list(
                "child_id", flat=True
            )
            if child_id in visible_set
        }
    )
    picks: list[tuple[str, Any]] = []
    for i in range(count):
        if i % 2 == 0 and with_notes:
            picks.append(("with_notes", rng.choice(with_notes)))
        else:
            picks.append(("any", rng.choice(visible)))
    return picks


def _section(
    name: str,
    items: list[tuple[str, Any]],
    warmup: int,
    page: Callable[[Any], int],
    floor: Callable[[], int],
) -> dict[str, Any]:
    """Interleave, request by request: the page (its statements recorded), the bare floor view,
    and the page's essential statements replayed directly on a cursor."""
    from django.db import connection

    samples: dict[str, list[int]] = {"page": [], "bare": [], "sql": [], "floor": []}
    kinds: dict[str, dict[str, list[int]]] = {}
    gc.collect()
    for i, (kind, arg) in enumerate(items):
        recorder, floor_recorder = Recorder(), Recorder()
        with connection.execute_wrapper(recorder):
            t_page = page(arg)
        with connection.execute_wrapper(floor_recorder):
            t_bare = floor()
        t_sql, hits = _replay(recorder.essential(floor_recorder.tables()))
        if i < warmup:
            continue
        values = {"page": t_page, "bare": t_bare, "sql": t_sql, "floor": t_bare + t_sql}
        per_kind = kinds.setdefault(kind, {"page": [], "sql": [], "floor": [], "hits": []})
        for key, value in values.items():
            samples[key].append(value)
            if key in per_kind:
                per_kind[key].append(value)
        per_kind["hits"].append(hits)
    stats = {key: summarize(values) for key, values in samples.items()}
    by_kind = {
        kind: {
            **{key: summarize(parts[key]) for key in ("page", "sql", "floor")},
            "mean_rows": sum(parts["hits"]) / len(parts["hits"]),
        }
        for kind, parts in kinds.items()
    }
    ratio = stats["page"]["p95"] / stats["floor"]["p95"]
    print(
        f"  {name:<24} page p50 {stats['page']['p50']:7.2f} p95 {stats['page']['p95']:7.2f} ms"
        f"  floor p95 {stats['floor']['p95']:7.2f} ms  ratio {ratio:4.2f}",
        flush=True,
    )
    return {"stats": stats, "by_kind": by_kind, "ratio": ratio}


class Stopwatch:
    """Wraps functions where callers look them up (module attributes) and sums their time."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self._restore: list[tuple[Any, str, Any]] = []

    def wrap(self, module: Any, name: str, label: str) -> None:
        original = getattr(module, name)
        self.totals.setdefault(label, 0)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter_ns()
            try:
                return original(*args, **kwargs)
            finally:
                self.totals[label] += time.perf_counter_ns() - began

        setattr(module, name, timed)
        self._restore.append((module, name, original))

    def restore(self) -> None:
        for module, name, original in reversed(self._restore):
            setattr(module, name, original)
        self._restore.clear()


BREAKDOWN = (
    ("actor", "actor load"),
    ("selectors", "selectors: ORM + SQL"),
    ("audit_insert", "audit insert"),
    ("audit_seal", "audit seal on commit"),
    ("transaction", "BEGIN/COMMIT, policy, parse"),
    ("render", "template render"),
    ("rest", "middleware, session, user, client"),
)


def _breakdown(
    page: str, items: list[tuple[str, Any]], get: Callable[[Any], int]
) -> dict[str, Any]:
    """Mean milliseconds per request spent in each part of one page, from wrappers around the
    functions the page calls (inclusive times, nested parts subtracted)."""
    from samverkan.access import middleware
    from samverkan.audit import services as audit_services
    from samverkan.children import selectors, services, views

    watch = Stopwatch()
    watch.wrap(middleware, "actor_load", "actor")
    for name in ("child_search", "child_get_visible", "child_overview"):
        watch.wrap(selectors, name, "selectors")
    watch.wrap(audit_services, "record", "audit_insert")
    # Requests no longer seal (ADR 0003: the sealer does, beside the task worker): 0 then.
    if hasattr(audit_services, "_seal_quietly"):
        watch.wrap(audit_services, "_seal_quietly", "audit_seal")
    watch.totals.setdefault("audit_seal", 0)
    watch.wrap(services, "child_search" if page == "search" else "child_open", "service")
    watch.wrap(views, "render", "render")
    total = 0
    gc.collect()
    try:
        for _kind, arg in items:
            total += get(arg)
    finally:
        watch.restore()
    t = watch.totals
    parts = {
        "actor": t["actor"],
        "selectors": t["selectors"],
        "audit_insert": t["audit_insert"],
        "audit_seal": t["audit_seal"],
        "transaction": t["service"] - t["selectors"] - t["audit_insert"] - t["audit_seal"],
        "render": t["render"],
        "rest": total - t["actor"] - t["service"] - t["render"],
    }
    n = len(items)
    return {"n": n, "page": total / n / 1e6, **{k: v / n / 1e6 for k, v in parts.items()}}


def _query_log(run: Callable[[], Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        run()
    return {"count": len(ctx.captured_queries), "sql": [q["sql"][:400] for q in ctx]}


def _database_info() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            cursor.execute("PRAGMA journal_mode")
            extra = {"journal_mode": cursor.fetchone()[0]}
            cursor.execute("PRAGMA synchronous")
            extra["synchronous"] = cursor.fetchone()[0]
        else:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            extra = {}
            for setting in ("shared_buffers", "synchronous_commit", "work_mem"):
                cursor.execute(f"SHOW {setting}")
                extra[setting] = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": version, **extra}


def _row_counts() -> dict[str, int]:
    from samverkan.audit.models import AuditEvent
    from samverkan.children.models import Child, Enrolment, Guardian, Guardianship, Note

    models = (Child, Guardian, Guardianship, Enrolment, Note, AuditEvent)
    return {m._meta.label_lower: m.objects.count() for m in models}


def measure(*, requests: int, warmup: int, seed: int, breakdown: int) -> dict[str, Any]:
    """Everything timed for one backend; Django is set up from the environment."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from samverkan.access.actor import actor_load
    from samverkan.access.models import User
    from samverkan.audit import services as audit_services
    from samverkan.audit.chain import seal_pending

    _install_urlconf()
    override_settings(
        ROOT_URLCONF=URLCONF, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    ).enable()
    assert not settings.DEBUG, "measure with DEBUG off"
    rng = random.Random(seed)
    total = warmup + requests
    result: dict[str, Any] = {
        # Other processes on the machine inflate every figure: the load average says how busy.
        "loadavg_before": os.getloadavg(),
        "database": _database_info(),
        "rows": _row_counts(),
        "pages": {},
        "queries": {},
        "audit": {},
        "breakdown": {},
    }

    clients: dict[str, Any] = {}
    actors: dict[str, Any] = {}
    for username in ROLES:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients[username] = client
        actor = actor_load(user=user)
        assert actor is not None, f"{username} has no role today"
        actors[username] = actor

    def floor_of(client: Any) -> Callable[[], int]:
        return lambda: _get(client, "/bench/floor/")

    overview_items: dict[str, list[tuple[str, Any]]] = {}
    search_items_of: dict[str, list[tuple[str, str]]] = {}
    for username in ROLES:
        client, actor = clients[username], actors[username]
        terms = _search_terms(actor, total, rng)
        children = _overview_children(actor, total, rng)
        overview_items[username] = children
        search_items_of[username] = terms
        print(f"[{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}] {username}")
        result["pages"][f"search:{username}"] = _section(
            f"search ({username})",
            [(kind, text) for kind, text in terms],
            warmup,
            lambda text, client=client: _get(client, "/barn/", {"q": text}),
            floor_of(client),
        )
        result["pages"][f"overview:{username}"] = _section(
            f"overview ({username})",
            children,
            warmup,
            lambda child_id, client=client: _get(client, f"/barn/{child_id}/"),
            floor_of(client),
        )
        common = next(text for kind, text in terms if kind == "surname_common")
        identity = next(text for kind, text in terms if kind == "identity_number")
        child_id = children[0][1]
        result["queries"][f"search:{username}:name"] = _query_log(
            lambda client=client, common=common: client.get("/barn/", {"q": common})
        )
        result["queries"][f"search:{username}:identity_number"] = _query_log(
            lambda client=client, identity=identity: client.get("/barn/", {"q": identity})
        )
        result["queries"][f"overview:{username}"] = _query_log(
            lambda client=client, child_id=child_id: client.get(f"/barn/{child_id}/")
        )
        result["queries"][f"floor:{username}"] = _query_log(
            lambda client=client: client.get("/bench/floor/")
        )

    # The audit write per request: the same overview with the log as is, with sealing off
    # (the entry is appended, then sealed outside the timing), and with no log at all.
    # Since the sealer took sealing off the request path, "audit" and "append_only" are alike.
    real_record = audit_services.record
    real_seal = getattr(audit_services, "_seal_quietly", None)

    def no_record(**kwargs: Any) -> None:
        return None

    def no_seal(municipality_id: Any) -> None:
        return None

    def use(variant: str) -> None:
        audit_services.record = real_record if variant != "none" else no_record  # type: ignore[assignment]
        if real_seal is not None:
            audit_services._seal_quietly = real_seal if variant == "audit" else no_seal  # type: ignore[attr-defined]

    client, actor = clients[AUDIT_ROLE], actors[AUDIT_ROLE]
    samples: dict[str, list[int]] = {v: [] for v in AUDIT_VARIANTS}
    gc.collect()
    try:
        for i, (_kind, child_id) in enumerate(overview_items[AUDIT_ROLE]):
            shift = i % len(AUDIT_VARIANTS)  # rotate the order so none always runs first
            for variant in AUDIT_VARIANTS[shift:] + AUDIT_VARIANTS[:shift]:
                use(variant)
                elapsed = _get(client, f"/barn/{child_id}/")
                if variant == "append_only":
                    use("audit")
                    seal_pending(municipality_id=actor.tenant_id)
                if i >= warmup:
                    samples[variant].append(elapsed)
        for variant in AUDIT_VARIANTS:
            use(variant)
            result["queries"][f"overview:{AUDIT_ROLE}:audit={variant}"] = _query_log(
                lambda child_id=child_id: client.get(f"/barn/{child_id}/")
            )
            if variant == "append_only":
                use("audit")
                seal_pending(municipality_id=actor.tenant_id)
    finally:
        use("audit")
    stats = {variant: summarize(values) for variant, values in samples.items()}
    result["audit"] = {
        "role": AUDIT_ROLE,
        "stats": stats,
        "adds": {
            variant: {
                "p50": stats[variant]["p50"] - stats["none"]["p50"],
                "p95": stats[variant]["p95"] - stats["none"]["p95"],
            }
            for variant in ("audit", "append_only")
        },
    }
    print(
        f"  audit adds p50 {result['audit']['adds']['audit']['p50']:.2f} ms,"
        f" p95 {result['audit']['adds']['audit']['p95']:.2f} ms",
        flush=True,
    )

    # Where the time goes, on the requests after the warm-up (a separate pass: the wrappers
    # cost a few microseconds each and must not touch the figures above).
    if breakdown:
        for username in ROLES:
            client = clients[username]
            search_items = search_items_of[username][warmup:][:breakdown]
            result["breakdown"][f"search:{username}"] = _breakdown(
                "search",
                search_items,
                lambda text, client=client: _get(client, "/barn/", {"q": text}),
            )
            result["breakdown"][f"overview:{username}"] = _breakdown(
                "overview",
                overview_items[username][warmup:][:breakdown],
                lambda child_id, client=client: _get(client, f"/barn/{child_id}/"),
            )
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
    queue = SPAWN.Queue()
    proc = SPAWN.Process(target=_measure_child, args=(env, options, queue))
    proc.start()
    status, payload = queue.get()
    proc.join()
    if status != "ok":
        raise RuntimeError(f"{db}: measurement failed\n{payload}")
    return payload  # type: ignore[no-any-return]


# --- machine, report -----------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    try:
        import django

        django_version = django.get_version()
    except ImportError:
        django_version = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": memory_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django_version,
        "sqlite_library": sqlite3.sqlite_version,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    report: dict[str, Any] = {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": machine_info(),
        "settings": {
            "children": args.children,
            "requests": args.requests,
            "warmup": args.warmup,
            "seed": args.seed,
            "targets": {"p95_ms": TARGET_P95_MS, "ratio": TARGET_RATIO},
        },
        "backends": {},
    }
    for db in dbs:
        prepared = prepare(
            db,
            children=args.children,
            seed=args.seed,
            reuse=args.reuse,
            postgres_url=args.postgres_url,
        )
        env = prepared.pop("env")
        options = {
            "requests": args.requests,
            "warmup": args.warmup,
            "seed": args.seed,
            "breakdown": args.breakdown,
        }
        print(f"[{db}] measuring: {args.requests} requests per page after {args.warmup} warm-up")
        report["backends"][db] = {"load": prepared, **measure_backend(db, env, options)}
    report["finished_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return report


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def format_report(report: dict[str, Any]) -> str:
    m, s = report["machine"], report["settings"]
    lines = [
        "",
        f"Samverkan page benchmark, {report['started_at']}: {s['children']} children, "
        f"{s['requests']} requests per page after {s['warmup']} warm-up",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
        f"Django {m['django']}",
    ]
    for db, b in report["backends"].items():
        d = b["database"]
        lines.append(f"{db}: {d['vendor']} {d['version']}, rows {b['rows']}")
        before, after = b["loadavg_before"], b["loadavg_after"]
        lines.append(
            f"  load average (1, 5, 15 min) before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f},"
            f" after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}"
        )
    lines += ["", "Load"]
    lines.append(f"  {'db':<9}{'children':>9}{'migrate s':>11}{'load s':>9}  reused")
    for db, b in report["backends"].items():
        load = b["load"]
        load_s = f"{load['load_seconds']:.1f}" if load.get("load_seconds") is not None else "?"
        lines.append(
            f"  {db:<9}{load['children']:>9}{load['migrate_seconds']:>11.1f}{load_s:>9}"
            f"  {'yes' if load['reused'] else 'no'}"
        )
    lines += [
        "",
        "Pages: server time in ms; floor = bare view + the page's essential SQL, per request;"
        " ratio = page p95 / floor p95",
        f"  {'db':<9}{'page':<22}{'queries':>8}{'p50':>8}{'p95':>8}{'bare p95':>10}"
        f"{'sql p95':>9}{'floor p50':>11}{'floor p95':>11}{'ratio':>7}"
        f"  {'p95<25':<7}{'ratio<3':<7}",
    ]
    for db, b in report["backends"].items():
        for key, page in b["pages"].items():
            st = page["stats"]
            kind, role = key.split(":")
            qkey = f"{kind}:{role}:name" if kind == "search" else key
            lines.append(
                f"  {db:<9}{f'{kind} ({role})':<22}{b['queries'][qkey]['count']:>8}"
                f"{st['page']['p50']:>8.2f}{st['page']['p95']:>8.2f}{st['bare']['p95']:>10.2f}"
                f"{st['sql']['p95']:>9.2f}{st['floor']['p50']:>11.2f}"
                f"{st['floor']['p95']:>11.2f}{page['ratio']:>7.2f}"
                f"  {_verdict(st['page']['p95'] < TARGET_P95_MS):<7}"
                f"{_verdict(page['ratio'] < TARGET_RATIO):<7}"
            )
    pages = [p for b in report["backends"].values() for p in b["pages"].values()]
    fast = sum(p["stats"]["page"]["p95"] < TARGET_P95_MS for p in pages)
    close = sum(p["ratio"] < TARGET_RATIO for p in pages)
    lines.append(
        f"  Targets: p95 < {TARGET_P95_MS:.0f} ms on {fast} of {len(pages)} pages;"
        f" ratio < {TARGET_RATIO:.0f} on {close} of {len(pages)}"
    )
    lines += [
        "",
        "By query kind (ms; hits = rows of the search's child query, at most 50)",
        f"  {'db':<9}{'page':<22}{'kind':<17}{'n':>5}{'hits':>6}{'p50':>8}{'p95':>8}"
        f"{'sql p50':>9}{'sql p95':>9}",
    ]
    for db, b in report["backends"].items():
        for key, page in b["pages"].items():
            kind, role = key.split(":")
            for name, part in page["by_kind"].items():
                hits = f"{part['mean_rows']:.0f}" if kind == "search" else "-"
                lines.append(
                    f"  {db:<9}{f'{kind} ({role})':<22}{name:<17}{part['page']['n']:>5}{hits:>6}"
                    f"{part['page']['p50']:>8.2f}{part['page']['p95']:>8.2f}"
                    f"{part['sql']['p50']:>9.2f}{part['sql']['p95']:>9.2f}"
                )
    lines += [
        "",
        "Audit write per request: the child overview, interleaved (ms)",
        f"  {'db':<9}{'variant':<40}{'queries':>8}{'p50':>8}{'p95':>8}{'adds p50':>10}"
        f"{'adds p95':>10}",
    ]
    labels = {
        "audit": "record + seal on commit (as deployed)",
        "append_only": "record, sealing disabled",
        "none": "record a no-op (no log)",
    }
    for db, b in report["backends"].items():
        a = b["audit"]
        for variant in AUDIT_VARIANTS:
            st = a["stats"][variant]
            adds = a["adds"].get(variant)
            count = b["queries"][f"overview:{a['role']}:audit={variant}"]["count"]
            lines.append(
                f"  {db:<9}{labels[variant]:<40}{count:>8}{st['p50']:>8.2f}{st['p95']:>8.2f}"
                + (f"{adds['p50']:>10.2f}{adds['p95']:>10.2f}" if adds else f"{'':>10}{'':>10}")
            )
    if any(b.get("breakdown") for b in report["backends"].values()):
        lines += [
            "",
            "Where the time goes: mean ms per request, by part (a separate pass with wrappers)",
            f"  {'db':<9}{'page':<22}{'n':>5}{'total':>8}"
            + "".join(f"{key:>13}" for key, _label in BREAKDOWN),
        ]
        for db, b in report["backends"].items():
            for key, part in b.get("breakdown", {}).items():
                kind, role = key.split(":")
                lines.append(
                    f"  {db:<9}{f'{kind} ({role})':<22}{part['n']:>5}{part['page']:>8.2f}"
                    + "".join(f"{part[k]:>13.2f}" for k, _label in BREAKDOWN)
                )
        lines.append("  " + "; ".join(f"{key}: {label}" for key, label in BREAKDOWN))
    lines += ["", "Query counts (one request each)"]
    for db, b in report["backends"].items():
        counts = ", ".join(f"{k} {v['count']}" for k, v in b["queries"].items())
        lines.append(f"  {db}: {counts}")
    return "\n".join(lines)


def save_report(report: dict[str, Any], prefix: str = "pages") -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{prefix}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    parser.add_argument(
        "--breakdown", type=int, default=200, help="requests per page timed part by part (0: off)"
    )
    parser.add_argument("--seed", type=int, default=1, help="load_demo seed and query mix")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a bench database already loaded with --children"
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"a PostgreSQL server's admin database; the bench uses {BENCH_DATABASE} on it",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args()
    report = run(args)
    print(format_report(report))
    print(f"\nResults: {save_report(report).relative_to(REPO)}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    from bench.pages_bench import main as bench_main

    bench_main()

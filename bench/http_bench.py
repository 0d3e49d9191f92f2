"""HTTP benchmark: every main page over HTTP under gunicorn, beside two floors served the same way.

    .venv/bin/python bench/http_bench.py [--reuse] [--workers 2] [--duration 10]
        [--database samverkan_http_bench] [--pages start,search] [--skip-mixed]

1. **Prepare** the PostgreSQL database `--database` (dropped and created): `migrate`,
   `samverkan load_demo --children 100000 --seed 2`, `VACUUM ANALYZE`. `--reuse` keeps a
   database that already holds `--children` children (then only `migrate`).
2. **Serve** three gunicorn instances with `--workers` sync workers each, on 127.0.0.1:
   the app (`bench.http_settings`: the dev settings with DEBUG off and the cached template
   loader; gunicorn's settings are production's, `samverkan.gunicorn_conf`), and the two floors
   of `bench/http_floor.py`: a raw WSGI app and a bare Django view (no middleware, no session,
   no database), both returning 12 kB.
3. **Log in** as each role through the login form (as a browser does), keeping its session
   cookie; the pages' addresses (children, intake item, episode, SIP, consent) are looked up in
   the database by a child process with Django (`--print-targets`).
4. **Drive** each floor and each page with Debian's `wrk` (`--connections` 4, `--duration` 10 s
   each, after a 2 s warm-up), one after the other; the bare Django view is measured first and
   last, and its mean is the reference. Every page is fetched once first and must answer 200.
   Table: req/s, p50, p99, ratio = bare Django req/s / page req/s, and PASS when the page
   reaches at least 1/10 of the bare Django view's req/s (ratio <= 10).
5. **Mixed load**: `--users` 100 connections, each waiting 1-3 s (uniform) before each request,
   for `--mixed-duration` 60 s, over the page mix (every page above, equally likely): p50, p95,
   p99, req/s and errors (connect, read, write, timeouts, non-2xx/3xx).
6. **Saturation**: the same mix closed-loop (no think time) with `--saturation-connections` 100
   for `--saturation-duration` 30 s: the throughput the app sustains, and its latencies.
   Steps 5 and 6 go through nginx in front of gunicorn, as production runs
   (`deploy/nginx/samverkan.conf`; `--proxy none` sends them straight to gunicorn), with as
   many workers as `samverkan serve` starts by default, 2 x cores + 1 (`--mix-workers`). A sync
   worker reads one connection at a time: without a buffering proxy, a simulated user who
   opens its connection and then thinks for 1-3 s holds a worker idle that long, which
   measures the missing proxy, not the pages.
7. **In process** (`--in-process` requests per page, 0 leaves it out): each page through
   Django's test client signed in as its role, interleaved request by request with the
   floor, the accessibility statement (`/tillganglighet/`: base.html, the same middleware,
   login and navigation, no query of its own) as the same role: p50, p95 and p95 / floor p95.
   The page budget's second bound is page p95 <= 2 x the floor's p95.

The table goes to stdout, everything to `bench/results/http-<UTC time>.json` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "samverkan_http_bench"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
DEMO_PASSWORD = "samverkan-demo"  # noqa: S105  # samverkan.demo.data.PASSWORD, published
BUDGET_RATIO = 10.0  # a page must reach 1/10 of the bare Django view's req/s
FLOOR_RATIO = 2.0  # and, in process, p95 within 2 x the floor's p95
IN_PROCESS_FLOOR = "/tillganglighet/"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_CONF = """daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    access_log {workdir}/nginx-access.log combined buffer=64k;
    client_max_body_size 12m;
    server {{
        listen 127.0.0.1:{port};
        # deploy/nginx/samverkan.conf's location, without TLS (plain HTTP on 127.0.0.1).
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Request-ID $request_id;
            proxy_read_timeout 90s;
            proxy_redirect off;
        }}
    }}
}}
"""

# Demo logins (samverkan.demo.data.ROLE_LOGINS) and what they stand for.
ROLES = {
    "principal": "rektor",
    "intake": "mottagning",
    "counsellor": "kurator",
    "team member": "teamsocionom",
    "work lead": "gruppledare",
}

WRK_SCRIPT = r"""
-- Written by bench/http_bench.py. BENCH_TARGETS: a file of "path<TAB>cookie" lines; each
-- request takes one at random (one line: always that one). BENCH_THINK=1: each connection
-- waits 1-3 s (uniform) before each request.
local targets = {}
local think = os.getenv("BENCH_THINK") == "1"
for line in io.lines(os.getenv("BENCH_TARGETS")) do
  local p, c = line:match("^([^\t]*)\t(.*)$")
  table.insert(targets, {path = p, cookie = c})
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() + (seed or 0) * 7919)
end

function delay()
  if think then return math.random(1000, 3000) end
  return 0
end

function request()
  local t = targets[math.random(#targets)]
  local headers = {}
  if t.cookie ~= "" then headers["Cookie"] = t.cookie end
  return wrk.format("GET", t.path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, " ..
    "\"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d, \"mean_us\": %f, " ..
    "\"err_connect\": %d, \"err_read\": %d, \"err_write\": %d, \"err_status\": %d, " ..
    "\"err_timeout\": %d}\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class Page:
    key: str
    label: str
    role: str  # a key of ROLES, or "" for the floors
    path: str
    server: str = "app"  # app | raw | django


# --- preparation ---------------------------------------------------------------------------


def database_url(admin_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def data_dir(name: str) -> Path:
    return Path(tempfile.gettempdir()) / "samverkan-http-bench" / name


def app_env(url: str, name: str) -> dict[str, str]:
    folder = data_dir(name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SAMVERKAN_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.http_settings",
            "DATABASE_URL": url,
            "SAMVERKAN_DATA_DIR": str(folder),
            "SAMVERKAN_AUDIT_CHECKPOINT_DIR": str(folder / "audit"),
            "SAMVERKAN_DEBUG": "",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def _psql(url: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
        cur = c.execute(sql)
        row = cur.fetchone() if cur.description is not None else None
        return "" if row is None else str(row[0])


def _manage(env: dict[str, str], *args: str) -> float:
    began = time.perf_counter()
    script = Path(sys.executable).with_name("samverkan")
    subprocess.run([str(script), *args], env=env, cwd=REPO, check=True)
    return time.perf_counter() - began


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    url = database_url(args.postgres_url, args.database)
    env = app_env(url, args.database)
    data_dir(args.database).mkdir(parents=True, exist_ok=True)
    meta_path = data_dir(args.database) / "bench-meta.json"
    if args.reuse:
        try:
            have = int(_psql(url, "SELECT count(*) FROM children_child"))
        except Exception:
            have = -1
        if have == args.children:
            _manage(env, "migrate", "--noinput", "-v", "0")
            meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
            print(f"reusing {args.database} ({have} children)", flush=True)
            return {"env": env, "url": url, "reused": True, **meta}
        print(f"{args.database}: {have} children, not {args.children}: loading", flush=True)
    _psql(args.postgres_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    _psql(args.postgres_url, f'CREATE DATABASE "{args.database}"')
    shutil.rmtree(data_dir(args.database), ignore_errors=True)
    data_dir(args.database).mkdir(parents=True)
    migrate = _manage(env, "migrate", "--noinput", "-v", "0")
    print(f"load_demo --children {args.children} --seed {args.seed}", flush=True)
    load = _manage(env, "load_demo", "--children", str(args.children), "--seed", str(args.seed))
    began = time.perf_counter()
    _psql(url, "VACUUM ANALYZE")
    meta = {
        "children": args.children,
        "seed": args.seed,
        "migrate_seconds": round(migrate, 1),
        "load_seconds": round(load, 1),
        "analyze_seconds": round(time.perf_counter() - began, 1),
        "loaded_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    meta_path.write_text(json.dumps(meta))
    return {"env": env, "url": url, "reused": False, **meta}


def print_targets() -> None:
    """In a child process with Django: the addresses of the pages, as JSON on stdout."""
    import django

    django.setup()
    from django.db.models import Count

    from samverkan.children.models import Child, Enrolment, Note
    from samverkan.demo import data
    from samverkan.intake.models import IntakeItem
    from samverkan.organisations.models import Unit
    from samverkan.plans.models import CoordinatedPlan
    from samverkan.support.models import EpisodeMember

    plan = (
        CoordinatedPlan.objects.filter(consent__isnull=False, closed_at__isnull=True)
        .order_by("created_at")
        .first()
    )
    assert plan is not None, "no SIP under a consent"
    school = Unit.objects.get(name=data.DEMO_SCHOOL)
    pupil_id = (
        Note.objects.filter(child__enrolments__school=school, child__enrolments__valid_to=None)
        .values("child_id")
        .annotate(n=Count("id"))
        .order_by("-n", "child_id")[0]["child_id"]
    )
    pupil = Child.objects.get(pk=pupil_id)
    intake = Unit.objects.get(name=data.INTAKE)
    item = IntakeItem.objects.filter(owner_unit=intake, is_open=True).order_by("-received_at")[0]
    member = (
        EpisodeMember.objects.filter(user__username="teamsocionom", ended_at__isnull=True)
        .order_by("-episode__created_at")
        .first()
    )
    assert member is not None, "teamsocionom is in no episode"
    surname = (
        Enrolment.objects.filter(school=school, valid_to__isnull=True)
        .values("child__family_name")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["child__family_name"]
    )
    print(
        json.dumps(
            {
                "plan": str(plan.pk),
                "plan_child": str(plan.child_id),
                "consent": str(plan.consent_id),
                "pupil": str(pupil.pk),
                "pupil_name": f"{pupil.given_name} {pupil.family_name}",
                "surname": surname,
                "item": str(item.pk),
                "item_child": str(item.child_id),
                "episode": str(member.episode_id),
            }
        )
    )


def pages_from(t: dict[str, str]) -> list[Page]:
    q = urllib.parse.quote
    return [
        Page("floor_raw", "floor: raw WSGI app", "", "/", "raw"),
        Page("floor_django", "floor: bare Django view", "", "/", "django"),
        Page("start_principal", "start page, principal", "principal", "/"),
        Page("start_intake", "start page, intake", "intake", "/"),
        Page("start_counsellor", "start page, counsellor", "counsellor", "/"),
        Page("start_team", "start page, team member", "team member", "/"),
        Page("start_lead", "start page, work lead", "work lead", "/"),
        Page("search_surname", "child search, surname", "principal", f"/barn/?q={q(t['surname'])}"),
        Page(
            "search_full",
            "child search, full name",
            "principal",
            f"/barn/?q={q(t['pupil_name'])}",
        ),
        Page(
            "overview_principal", "child overview, principal", "principal", f"/barn/{t['pupil']}/"
        ),
        Page("overview_intake", "child overview, intake", "intake", f"/barn/{t['item_child']}/"),
        Page("intake_queue", "intake queue", "intake", "/mottagning/"),
        Page("intake_item", "intake item", "intake", f"/mottagning/arenden/{t['item']}/"),
        Page("one_way_in", "one way in, principal", "principal", "/kontakta-socialtjansten/"),
        Page(
            "consent",
            "consent page, counsellor",
            "counsellor",
            f"/barn/{t['plan_child']}/samtycken/{t['consent']}/",
        ),
        Page("caseload", "support caseload", "team member", "/insatser/mina-insatser/"),
        Page("episode", "support episode", "team member", f"/insatser/{t['episode']}/"),
        Page("sip", "SIP page", "team member", f"/sip/{t['plan']}/"),
        Page(
            "chronology",
            "chronology, counsellor",
            "counsellor",
            f"/barn/{t['plan_child']}/kronologi/",
        ),
    ]


def measure_in_process(spec_file: str) -> None:
    """In a child process with Django: each page and the floor through the test client,
    interleaved request by request; JSON on stdout."""
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # the audit checkpoint lines
    from django.test import Client

    from samverkan.access.models import User

    spec = json.loads(Path(spec_file).read_text())
    requests, warmup = spec["requests"], spec["warmup"]
    clients: dict[str, Any] = {}
    for role, username in spec["users"].items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=username))

    def timed(client: Any, path: str) -> float:
        began = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return elapsed

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    out: dict[str, Any] = {}
    for key, role, path in spec["pages"]:
        client = clients[role]
        for _ in range(warmup):
            timed(client, path)
            timed(client, IN_PROCESS_FLOOR)
        page: list[float] = []
        floor: list[float] = []
        for i in range(requests):
            if i % 2:  # alternate which goes first
                floor.append(timed(client, IN_PROCESS_FLOOR))
                page.append(timed(client, path))
            else:
                page.append(timed(client, path))
                floor.append(timed(client, IN_PROCESS_FLOOR))
        out[key] = {
            "p50_ms": pct(page, 0.5),
            "p95_ms": pct(page, 0.95),
            "floor_p50_ms": pct(floor, 0.5),
            "floor_p95_ms": pct(floor, 0.95),
        }
    print(json.dumps(out))


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    app: str, env: dict[str, str], workers: int, log: Path, *, conf: bool
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", str(workers), "--worker-class", "sync"]
    if conf:  # production's gunicorn settings (access log, timeouts, keep-alive)
        argv += ["--config", "python:samverkan.gunicorn_conf"]
    else:
        argv += ["--keep-alive", "5", "--no-control-socket"]
    argv.append(app)
    handle = log.open("ab")
    proc = subprocess.Popen(
        argv, env=env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, process_group=0
    )
    return listening(proc, port, app, log, within=60)


def listening(
    proc: subprocess.Popen[bytes], port: int, what: str, log: Path, *, within: float
) -> tuple[subprocess.Popen[bytes], int]:
    """Wait until the process listens on its port; fail if it ends or takes too long."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} ended with {proc.returncode}; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen within {within:g} s; see {log}")


def start_proxy(upstream: int, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """nginx in front of the app, buffering each request before gunicorn sees it."""
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workdir=workdir, port=port, upstream=upstream))
    argv = [NGINX, "-p", str(workdir), "-e", str(workdir / "nginx-error.log"), "-c", str(conf)]
    handle = (workdir / "nginx.out").open("ab")
    proc = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT, process_group=0)
    return listening(proc, port, "nginx", workdir / "nginx-error.log", within=20)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- HTTP ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def login(base: str, username: str, password: str) -> str:
    """Sign in through the login form; the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(f"{base}/logga-in/", timeout=30) as r:
        html = r.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the login page"
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
        f"{base}/logga-in/", data=body, headers={"Referer": f"{base}/logga-in/"}
    )
    try:
        opener.open(request, timeout=30)
        status = 200
    except urllib.error.HTTPError as e:
        status = e.code
    if status != 302:
        raise RuntimeError(f"login of {username}: HTTP {status}, not a redirect")
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, f"login of {username}: no session cookie"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def fetch(base: str, path: str, cookie: str, timeout: float = 60) -> tuple[int, int]:
    opener = urllib.request.build_opener(_NoRedirect)
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as r:
            return r.status, len(r.read())
    except urllib.error.HTTPError as e:
        return e.code, 0


def drain(base: str) -> None:
    """Wait until the server has answered what an earlier run left queued: gunicorn's sync
    workers still serve requests whose connection wrk has closed. The health check queues
    behind them."""
    began = time.monotonic()
    fetch(base, "/healthz", "", timeout=600)
    waited = time.monotonic() - began
    if waited > 1:
        print(f"  (waited {waited:.0f} s for the queue of the run before)", flush=True)


def wrk(
    base: str,
    targets: list[tuple[str, str]],
    *,
    connections: int,
    threads: int,
    duration: float,
    think: bool,
    workdir: Path,
    timeout: int = 30,
) -> dict[str, Any]:
    script = workdir / "bench.lua"
    if not script.exists():
        script.write_text(WRK_SCRIPT)
    target_file = workdir / f"targets-{time.monotonic_ns()}.tsv"
    target_file.write_text("".join(f"{p}\t{c}\n" for p, c in targets))
    env = {**os.environ, "BENCH_TARGETS": str(target_file), "BENCH_THINK": "1" if think else ""}
    argv = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s"]
    argv += ["--timeout", f"{timeout}s", "-s", str(script), base + "/"]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = raw["duration_us"] / 1e6
    errors = {k[4:]: raw[k] for k in raw if k.startswith("err_")}
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "error_total": sum(errors.values()),
    }


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


# --- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per page, untimed")
    parser.add_argument("--pages", default="", help="comma-separated keys (default: all)")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--mixed-duration", type=float, default=60.0)
    parser.add_argument("--saturation-connections", type=int, default=100)
    parser.add_argument("--saturation-duration", type=float, default=30.0)
    parser.add_argument("--skip-mixed", action="store_true", help="no mixed load, no saturation")
    parser.add_argument(
        "--proxy",
        choices=("nginx", "none"),
        default="nginx",
        help="what the mixed load and saturation go through (default nginx, as production)",
    )
    parser.add_argument(
        "--mix-workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers for the mixed load and saturation (default: as `samverkan serve`)",
    )
    parser.add_argument(
        "--in-process", type=int, default=150, help="requests per page in process (0: none)"
    )
    parser.add_argument("--measure-in-process", default="", help=argparse.SUPPRESS)
    parser.add_argument("--print-targets", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.print_targets:
        print_targets()
        return
    if args.measure_in_process:
        measure_in_process(args.measure_in_process)
        return

    started = datetime.datetime.now(datetime.UTC)
    load_before = load_average()
    prepared = prepare(args)
    env = prepared["env"]
    targets = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--print-targets"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        ).stdout
    )
    pages = pages_from(targets)
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [p for p in pages if p.key in wanted or p.key.startswith("floor_")]

    workdir = Path(tempfile.mkdtemp(prefix="samverkan-http-bench-"))
    floor_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    results: dict[str, Any] = {}
    try:
        servers["app"] = start_server(
            "samverkan.wsgi:application", env, args.workers, workdir / "app.log", conf=True
        )
        servers["raw"] = start_server(
            "bench.http_floor:raw_application",
            floor_env,
            args.workers,
            workdir / "raw.log",
            conf=False,
        )
        servers["django"] = start_server(
            "bench.http_floor:django_application",
            floor_env,
            args.workers,
            workdir / "django.log",
            conf=False,
        )
        base = {k: f"http://127.0.0.1:{port}" for k, (_, port) in servers.items()}

        cookies = {role: login(base["app"], user, DEMO_PASSWORD) for role, user in ROLES.items()}
        print(f"logged in: {', '.join(ROLES.values())}; gunicorn logs in {workdir}", flush=True)

        def cookie_of(page: Page) -> str:
            return cookies[page.role] if page.role else ""

        checked: list[Page] = []
        for page in pages:
            status, size = fetch(base[page.server], page.path, cookie_of(page))
            results[page.key] = {**asdict(page), "status": status, "bytes": size}
            if status != 200:
                print(f"  {page.label}: HTTP {status}, left out", flush=True)
            else:
                checked.append(page)

        def measure(page: Page) -> dict[str, Any]:
            one = [(page.path, cookie_of(page))]
            kwargs = {"connections": args.connections, "threads": min(2, args.connections)}
            if args.warmup:
                wrk(
                    base[page.server],
                    one,
                    duration=args.warmup,
                    think=False,
                    workdir=workdir,
                    **kwargs,
                )
            return wrk(
                base[page.server],
                one,
                duration=args.duration,
                think=False,
                workdir=workdir,
                **kwargs,
            )

        print(f"load average {load_average()}", flush=True)
        order = [p for p in checked if p.key == "floor_django"] + [
            p for p in checked if p.key != "floor_django"
        ]
        for page in order:
            results[page.key].update(measure(page))
            r = results[page.key]
            print(
                f"  {page.label:<32} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms  "
                f"p99 {r['p99_ms']:7.1f} ms  errors {r['error_total']}",
                flush=True,
            )
        django_again = measure(next(p for p in checked if p.key == "floor_django"))
        results["floor_django"]["second"] = django_again
        floor_rps = (results["floor_django"]["rps"] + django_again["rps"]) / 2
        print(f"  bare Django again: {django_again['rps']:.1f} req/s; reference {floor_rps:.1f}")
        print(f"load average {load_average()}", flush=True)

        mix = [(p.path, cookie_of(p)) for p in checked if p.server == "app"]
        mixed = saturation = None
        if not args.skip_mixed:
            if args.mix_workers != args.workers:
                # As deployed: `samverkan serve` starts 2 x cores + 1 workers.
                stop_server(servers.pop("app")[0])
                servers["app"] = start_server(
                    "samverkan.wsgi:application",
                    env,
                    args.mix_workers,
                    workdir / "app-mix.log",
                    conf=True,
                )
                base["app"] = f"http://127.0.0.1:{servers['app'][1]}"
                print(f"gunicorn restarted with {args.mix_workers} sync workers", flush=True)
                # Each new worker compiles its templates and URL patterns and opens its
                # database connection on its first requests: warm them all, untimed.
                wrk(
                    base["app"],
                    mix,
                    connections=2 * args.mix_workers,
                    threads=2,
                    duration=max(8.0, args.warmup),
                    think=False,
                    workdir=workdir,
                )
            if args.proxy == "nginx":
                servers["proxy"] = start_proxy(servers["app"][1], workdir)
                base["mix"] = f"http://127.0.0.1:{servers['proxy'][1]}"
                print(f"through nginx ({NGINX}) in front of gunicorn, as deployed", flush=True)
            else:
                base["mix"] = base["app"]
            print(
                f"mixed load: {args.users} users, 1-3 s think time, {args.mixed_duration:g} s",
                flush=True,
            )
            drain(base["mix"])
            mixed = wrk(
                base["mix"],
                mix,
                connections=args.users,
                threads=2,
                duration=args.mixed_duration,
                think=True,
                workdir=workdir,
            )
            print(
                f"saturation: {args.saturation_connections} connections closed-loop, "
                f"{args.saturation_duration:g} s",
                flush=True,
            )
            drain(base["mix"])
            saturation = wrk(
                base["mix"],
                mix,
                connections=args.saturation_connections,
                threads=2,
                duration=args.saturation_duration,
                think=False,
                workdir=workdir,
            )
        load_after = load_average()
    finally:
        for proc, _ in servers.values():
            stop_server(proc)

    in_process: dict[str, Any] = {}
    app_pages = [p for p in checked if p.server == "app"]
    if args.in_process and app_pages:
        print(
            f"in process: {args.in_process} requests per page, interleaved with the floor "
            f"({IN_PROCESS_FLOOR})",
            flush=True,
        )
        spec = workdir / "in-process.json"
        spec.write_text(
            json.dumps(
                {
                    "requests": args.in_process,
                    "warmup": 10,
                    "users": {p.role: ROLES[p.role] for p in app_pages},
                    "pages": [(p.key, p.role, p.path) for p in app_pages],
                }
            )
        )
        in_process = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--measure-in-process", str(spec)],
                env=env,
                cwd=REPO,
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            ).stdout
        )
        load_after = load_average()

    rows: list[tuple[Any, ...]] = []
    for page in pages:
        r = results[page.key]
        if "rps" not in r:
            rows.append((page.label, None, None, None, None, f"HTTP {r['status']}"))
            continue
        ratio = floor_rps / r["rps"] if r["rps"] else float("inf")
        inp = in_process.get(page.key)
        if inp:
            inp["floor_ratio"] = inp["p95_ms"] / inp["floor_p95_ms"]
            r["in_process"] = inp
        if page.server != "app":
            verdict = "floor"
        else:
            http_ok = ratio <= BUDGET_RATIO and r["error_total"] == 0
            floor_ok = inp is not None and inp["floor_ratio"] <= FLOOR_RATIO
            verdict = ("http ok" if http_ok else "http FAIL") + (
                ", p95 ok" if floor_ok else (", p95 FAIL" if inp else "")
            )
        r["ratio"] = ratio
        r["verdict"] = verdict
        rows.append((page.label, r["rps"], r["p50_ms"], r["p99_ms"], ratio, verdict, inp))

    print()
    print(
        f"HTTP: gunicorn {args.workers} sync workers, wrk {args.connections} connections, "
        f"{args.duration:g} s per page; x bare = bare Django req/s ({floor_rps:.0f}) / page "
        f"req/s, budget <= {BUDGET_RATIO:g}. In process: p95 ms, and x floor = page p95 / "
        f"floor p95 ({IN_PROCESS_FLOOR} as the same role), budget <= {FLOOR_RATIO:g}"
    )
    print(
        f"  {'page':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x bare':>7} "
        f"{'in p95':>7} {'floor':>6} {'x floor':>7}  budget"
    )
    for label, rps, p50, p99, ratio, verdict, inp in rows:
        inproc = (
            f"{inp['p95_ms']:7.1f} {inp['floor_p95_ms']:6.1f} {inp['floor_ratio']:7.2f}"
            if inp
            else f"{'-':>7} {'-':>6} {'-':>7}"
        )
        if rps is None:
            print(f"  {label:<34} {'-':>8} {'-':>8} {'-':>8} {'-':>7} {inproc}  {verdict}")
        else:
            print(
                f"  {label:<34} {rps:8.1f} {p50:8.1f} {p99:8.1f} {ratio:7.1f} {inproc}  {verdict}"
            )
    judged = [r for r in rows if r[5] != "floor"]
    http_passed = sum(1 for r in judged if r[5].startswith("http ok"))
    p95_passed = sum(1 for r in judged if r[5].endswith("p95 ok"))
    print(
        f"  within budget: {http_passed} of {len(judged)} pages over HTTP, "
        f"{p95_passed} of {len(judged)} in process"
    )
    for name, m in (("mixed load", mixed), ("saturation", saturation)):
        if m:
            print(
                f"{name}: {m['rps']:.1f} req/s, p50 {m['p50_ms']:.1f} ms, p95 "
                f"{m['p95_ms']:.1f} ms, p99 {m['p99_ms']:.1f} ms, {m['requests']} requests, "
                f"errors {m['error_total']} {m['errors']}"
            )
    print(f"load average before {load_before}, after {load_after}")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"http-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "started": started.isoformat(timespec="seconds"),
                "argv": sys.argv,
                "args": vars(args),
                "prepared": {k: v for k, v in prepared.items() if k != "env"},
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "commit": subprocess.run(
                        ["git", "rev-parse", "--short", "HEAD"],
                        cwd=REPO,
                        capture_output=True,
                        text=True,
                        check=False,
                    ).stdout.strip(),
                },
                "load_before": load_before,
                "load_after": load_after,
                "floor_rps": floor_rps,
                "pages": results,
                "mixed": mixed,
                "saturation": saturation,
                "mix_through": args.proxy if not args.skip_mixed else None,
                "mix_workers": args.mix_workers,
            },
            indent=2,
        )
    )
    print(f"results: {out}")


if __name__ == "__main__":
    main()

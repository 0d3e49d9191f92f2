"""The real app in a subprocess with its own fresh database, and Chromium driven by Playwright.

Each pytest-xdist worker starts its own server (session fixtures run once per worker): a free
port, a temporary SAMVERKAN_DATA_DIR and, when DATABASE_URL points at PostgreSQL, a database of
its own that is dropped afterwards. The demo municipality (tenant 0999) and a second tenant
(0998, usernames prefixed `0998-`) are loaded with fixed seeds. No pytest-django database
fixture is used: the server owns its database, and a flush would hit the audit log's DELETE
triggers. What a test needs to know about the data (ids, identity numbers, addresses) is read
once through `samverkan shell` into `Server.facts`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Request, Response, sync_playwright

DEMO_PASSWORD = "samverkan-demo"
OTHER_TENANT_PREFIX = "0998-"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_CHROMIUM = "apt-get update && apt-get install -y chromium"
SAMVERKAN = Path(sys.executable).parent / "samverkan"
COMMAND_TIMEOUT = 300
STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 60
# The server: gunicorn under the dev settings (static files from the finders), two web
# workers, and the task worker beside it.
SERVE_ARGS = ["serve", "--workers", "2", "--with-worker"]
# axe impacts that fail a test; "minor" and "moderate" findings are reported, not failed.
FAILING_IMPACTS = frozenset({"serious", "critical"})

# Read by `samverkan shell` against the server's database; writes JSON to $E2E_FACTS_OUT.
FACTS_SCRIPT = r"""
import json, os
from samverkan.access.actor import actor_load
from samverkan.access.models import User
from samverkan.children import policies, selectors
from samverkan.children.models import Child
from samverkan.organisations import selectors as org_selectors

def facts(child):
    return {
        "id": str(child.pk),
        "given_name": child.given_name,
        "family_name": child.family_name,
        "identity_number": child.identity_number,
        "street_address": child.street_address,
        "postal_code": child.postal_code,
        "city": child.city,
        "protected": child.is_protected,
    }

def visible(actor, child):
    return bool(policies.can_view_child(actor, selectors.child_relation(child=child)))

principal = actor_load(user=User.objects.get(username="rektor"))
intake = actor_load(user=User.objects.get(username="mottagning"))
tenant = Child.objects.filter(municipality_id=principal.tenant_id)
own = tenant.filter(policies.children_visible_to(principal)).order_by("family_name", "pk")

own_child = None
for child in own.filter(protection_marking="none")[:200]:
    same_name = tenant.filter(given_name=child.given_name, family_name=child.family_name)
    relation = selectors.child_relation(child=child)
    if same_name.count() == 1 and policies.note_targets(principal, relation):
        own_child = child
        break
protected = next(
    c for c in own.exclude(protection_marking="none") if c.street_address
)
other_school = next(
    c for c in tenant.exclude(policies.children_visible_to(principal)).order_by("pk")[:200]
    if not visible(principal, c)
)
intake_child = next(
    c for c in tenant.exclude(pk__in=own.values("pk")).filter(protection_marking="none")
    .order_by("pk")[:200]
    if visible(intake, c)
)
other_tenant = Child.objects.filter(municipality__code="0998").order_by("pk").first()
contact = next(
    item.primary for item in org_selectors.current_contacts(
        actor=principal, school_ids=principal.school_ids
    ) if item.primary
)
worker = contact.social_worker
with open(os.environ["E2E_FACTS_OUT"], "w", encoding="utf-8") as out:
    json.dump({
        "own_child": facts(own_child) if own_child else None,
        "protected_child": facts(protected),
        "other_school_child": facts(other_school),
        "intake_child": facts(intake_child),
        "other_tenant_child": facts(other_tenant),
        "contact": {
            "name": worker.get_full_name(),
            "phone": worker.phone,
            "email": worker.email,
            "username": worker.username,
        },
    }, out)
"""


@dataclass
class Server:
    """The running app: its address, the environment that reaches its database, and facts."""

    base_url: str
    env: dict[str, str]
    data_dir: Path
    facts: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def samverkan(
        self, *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `samverkan <args>` against the server's database (no check; see returncode)."""
        return subprocess.run(  # noqa: S603
            [str(SAMVERKAN), *args],
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )


def chromium_path() -> str:
    """The Chromium binary, or fail (never skip) with how to install it."""
    wanted = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    found = (
        wanted if os.path.isfile(wanted) and os.access(wanted, os.X_OK) else shutil.which(wanted)
    )
    if not found:
        pytest.fail(
            f"Chromium not found at {wanted}: the browser tests need it. Install it with "
            f"`{INSTALL_CHROMIUM}`, or point CHROMIUM= at a Chromium binary.",
            pytrace=False,
        )
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(server: Server, *args: str, extra_env: dict[str, str] | None = None) -> None:
    result = server.samverkan(*args, extra_env=extra_env)
    if result.returncode != 0:
        pytest.fail(
            f"`samverkan {' '.join(args)}` exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}",
            pytrace=False,
        )


def _get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local URL)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def start_runserver(server: Server, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """`samverkan serve` (gunicorn as in production, with the task worker beside it) on the
    port, once /healthz answers 200, static files are served and the worker runs a task (the
    caller stops it with stop_runserver)."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [str(SAMVERKAN), *SERVE_ARGS, "--bind", f"127.0.0.1:{port}"],
            env=server.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"The server exited with {process.returncode}:\n"
                + log_path.read_text(errors="replace")[-3000:],
                pytrace=False,
            )
        try:
            if _get_status(server.url("/healthz")) == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_runserver(process)
            pytest.fail(
                f"/healthz did not answer 200 within {STARTUP_TIMEOUT} s:\n"
                + log_path.read_text(errors="replace")[-3000:],
                pytrace=False,
            )
        time.sleep(0.2)
    status = _get_status(server.url("/static/samverkan/samverkan.css"))
    assert status == 200, f"the stylesheet answered {status}: static files are not served"
    # The task worker beside the server runs what the app enqueues (e-mails and the like).
    _run(server, "check_worker", "--timeout", str(STARTUP_TIMEOUT))
    return process


def stop_runserver(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        # `serve --with-worker` stops gunicorn and the worker, each gracefully, on SIGTERM.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="session")
def server(
    chromium: str,
    tmp_path_factory: pytest.TempPathFactory,
    scratch_database: Callable[[str], str],
) -> Iterator[Server]:
    """Migrate a fresh database, load both demo tenants and serve them on a free port."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    data_dir = tmp_path_factory.mktemp(f"e2e-{worker}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="samverkan.settings.dev",
        SAMVERKAN_DATA_DIR=str(data_dir),
        SAMVERKAN_AUDIT_CHECKPOINT_DIR=str(data_dir / "audit"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("SAMVERKAN_DEBUG", None)
    database_url = scratch_database("e2e")
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)

    port = _free_port()
    server = Server(base_url=f"http://127.0.0.1:{port}", env=env, data_dir=data_dir)
    process: subprocess.Popen[bytes] | None = None
    log_path = data_dir / "server.log"
    try:
        _run(server, "migrate", "--noinput", "-v", "0")
        _run(server, "load_demo", "--children", "300", "--seed", "7")
        _run(
            server,
            "load_demo",
            "--children",
            "50",
            "--seed",
            "8",
            "--code",
            "0998",
            "--name",
            "Grannby kommun",
        )
        facts_path = data_dir / "facts.json"
        _run(server, "shell", "-c", FACTS_SCRIPT, extra_env={"E2E_FACTS_OUT": str(facts_path)})
        server.facts = json.loads(facts_path.read_text(encoding="utf-8"))

        process = start_runserver(server, port, log_path)
        yield server
    finally:
        stop_runserver(process)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


class Visitor:
    """One person's browser tab. Every page that loads is checked with axe-core; requests to
    any host but the test server are blocked and recorded. `done()` asserts both are clean."""

    def __init__(self, context: BrowserContext, page: Page, server: Server, axe: Axe) -> None:
        self.context = context
        self.page = page
        self.server = server
        self.axe = axe
        self.foreign_requests: list[str] = []
        self.axe_failures: list[str] = []
        self.axe_findings: list[str] = []
        self.visited: list[str] = []
        self.finished = False
        page.on("request", self._on_request)
        context.route(lambda url: not _is_local(url), self._block)

    def _on_request(self, request: Request) -> None:
        if not _is_local(request.url):
            self.foreign_requests.append(request.url)

    def _block(self, route: Any) -> None:
        if route.request.url not in self.foreign_requests:
            self.foreign_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def check(self) -> None:
        """Run axe on the page now shown and remember what fails."""
        page = self.page
        page.wait_for_load_state("load")
        self.visited.append(page.url)
        result = self.axe.run(page)
        for violation in result.response["violations"]:
            line = (
                f"{page.url} [{page.title()}]: {violation['id']} ({violation['impact']}) "
                f"{violation['help']} – {len(violation['nodes'])} element(s), e.g. "
                f"{violation['nodes'][0]['target'] if violation['nodes'] else ''}"
            )
            self.axe_findings.append(line)
            if violation["impact"] in FAILING_IMPACTS:
                self.axe_failures.append(line)

    def goto(self, path: str) -> Response | None:
        response = self.page.goto(self.server.url(path))
        self.check()
        return response

    def navigate(self, action: Any) -> Response | None:
        """Do something that loads a new page (a click, Enter), then check the new page."""
        with self.page.expect_navigation() as navigation:
            action()
        self.check()
        return navigation.value

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/logga-in/")
        self.page.get_by_label("Användarnamn").fill(username)
        self.page.get_by_label("Lösenord", exact=True).fill(password)
        self.navigate(self.page.get_by_role("button", name="Logga in").click)

    def logout(self) -> None:
        self.navigate(self.page.get_by_role("button", name="Logga ut").click)

    def done(self) -> None:
        """Call at the end of a journey: no foreign request, no serious axe violation."""
        self.finished = True
        assert not self.foreign_requests, f"requests left for another host: {self.foreign_requests}"
        assert not self.axe_failures, "serious or critical axe violations:\n" + "\n".join(
            self.axe_failures
        )


def _is_local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    host = urlsplit(url).hostname or ""
    return host in LOCAL_HOSTS or f"[{host}]" in LOCAL_HOSTS


@pytest.fixture
def visit(browser: Browser, server: Server, axe: Axe) -> Iterator[Any]:
    """`visit()` opens a fresh browser context (one signed-in person) and returns its Visitor;
    at the end of the test every Visitor must have had clean axe results and no foreign
    requests."""
    visitors: list[Visitor] = []

    def open_visitor(on: Server | None = None, **options: Any) -> Visitor:
        """`on`: another server than the worker's; `options`: Playwright's context options
        (a phone: viewport, is_mobile, has_touch)."""
        context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", **options)
        context.set_default_timeout(15_000)
        visitor = Visitor(context, context.new_page(), on or server, axe)
        visitors.append(visitor)
        return visitor

    yield open_visitor
    for visitor in visitors:
        for line in visitor.axe_findings:
            if line not in visitor.axe_failures:
                print("axe (moderate/minor):", line)  # noqa: T201
        visitor.context.close()
    # A journey that forgot `done()` is still checked (reported as a teardown error).
    for visitor in visitors:
        if not visitor.finished:
            visitor.done()

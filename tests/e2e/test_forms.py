"""Nothing typed is lost, nothing is sent twice (issue #11; core.drafts, docs/forms.md).

As first-time users would: a principal presses Back after sending and sends again; a teacher
on a phone types first and searches for the child afterwards; someone switches language on a
half-filled form; and, on PostgreSQL, the database stops before the report is sent and starts
again. Every page passes axe-core (conftest.Visitor).
"""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import Server, _free_port, _run, start_runserver, stop_runserver
from .drafts import (
    answer_report_questions,
    count_items,
    expect_kept,
    private_cluster,
    switch_language,
    type_into,
)

pytestmark = pytest.mark.e2e

REPORT = "/kontakta-socialtjansten/orosanmalan/"
OBSERVED = "Vad har du sett eller hört?"
SITUATION = "Hur är barnets situation nu?"
REFERENCE = re.compile(r"ANM-\d{4}-\d{6}")
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _words() -> dict[str, str]:
    """Words no other test types (the count of reports holding them proves "sent once")."""
    mark = uuid.uuid4().hex[:8]
    return {
        OBSERVED: f"Eleven berättade att hon inte vågar gå hem ({mark}).",
        SITUATION: "Eleven är i skolan och är rädd.",
    }


def _expect_answered(page: Page) -> None:
    group = page.get_by_role("group", name="Kan barnet behöva skydd redan i dag?")
    expect(group.get_by_label("Vet inte")).to_be_checked()
    group = page.get_by_role("group", name="Vet vårdnadshavarna att du gör en anmälan?")
    expect(group.get_by_label("Nej")).to_be_checked()


def _find_child(page: Page) -> None:
    """Search inside the form: htmx replaces only the result; choose the first child."""
    page.get_by_label("Sök barnet: namn eller personnummer").fill("an")
    page.get_by_role("button", name="Sök barnet").click()
    expect(page.get_by_role("status")).to_contain_text("Sökningen hittade")
    page.get_by_label("Barnet det gäller").select_option(index=1)


def _half_filled(visitor: Any, *, search_first: bool = True) -> dict[str, str]:
    """rektor signs in and fills the report form (the child searched before or after the
    words); returns the words typed."""
    visitor.login("rektor")
    visitor.goto(REPORT)
    words = _words()
    if search_first:
        _find_child(visitor.page)
    type_into(visitor.page, words)
    answer_report_questions(visitor.page)
    return words


def _send(visitor: Any) -> str:
    visitor.navigate(visitor.page.get_by_role("button", name="Skicka anmälan").click)
    expect(visitor.page.get_by_role("heading", name="Anmälan är skickad")).to_be_visible()
    match = REFERENCE.search(visitor.page.content())
    assert match, "no reference number on the receipt"
    return match.group(0)


def test_back_and_send_again_makes_one_report_and_shows_its_receipt(
    visit: Any, server: Any
) -> None:
    """Finding 1: Back after "Skicka anmälan" and sending again made a second report."""
    principal = visit()
    page = principal.page
    words = _half_filled(principal)
    reference = _send(principal)

    page.go_back()
    principal.check()
    principal.navigate(page.get_by_role("button", name="Skicka anmälan").click)

    expect(page.get_by_role("heading", name="Redan skickad")).to_be_visible()
    expect(page.get_by_text(reference).first).to_be_visible()
    principal.navigate(page.get_by_role("link", name="Visa kvittot").click)
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    assert count_items(server, words[OBSERVED]) == 1
    principal.done()


def test_a_teacher_on_a_phone_types_first_and_finds_the_child_afterwards(
    visit: Any, server: Any
) -> None:
    """Finding 3: searching for the child reloaded the page and wiped what was typed."""
    teacher = visit(**PHONE)
    page = teacher.page
    words = _half_filled(teacher, search_first=False)

    _find_child(page)

    expect_kept(page, words)
    _expect_answered(page)
    assert "q=" not in page.url
    _send(teacher)
    assert count_items(server, words[OBSERVED]) == 1
    teacher.done()


def test_switching_language_keeps_a_half_filled_form(visit: Any, server: Any) -> None:
    """Finding 4: the language switch threw the text away. The draft kept in the tab puts it
    back into the form shown in the other language, and back again."""
    principal = visit()
    page = principal.page
    words = _half_filled(principal, search_first=False)

    switch_language(principal, "English", "Byt språk")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Report of concern")
    expect(page.get_by_label("What have you seen or heard?")).to_have_value(words[OBSERVED])
    expect(page.get_by_label("What is the child's situation now?")).to_have_value(words[SITUATION])
    switch_language(principal, "Svenska", "Change language")
    expect_kept(page, words)
    _expect_answered(page)
    principal.done()


@pytest.mark.skipif(not ON_POSTGRES, reason="the database is stopped on PostgreSQL runs only")
def test_a_database_stopped_before_sending_keeps_the_words_and_sends_once_after(
    visit: Any, server: Any, tmp_path: Path
) -> None:
    """Finding 2: with PostgreSQL stopped the submit showed a generic 500 without the form.
    A private cluster (never the shared server) is stopped before the POST: the 503 page
    shows the words; started again, "Skicka igen" sends them once, still signed in."""
    with private_cluster() as cluster:
        port = _free_port()
        env = {**server.env, "DATABASE_URL": cluster.url, "SAMVERKAN_DATA_DIR": str(tmp_path)}
        env["SAMVERKAN_AUDIT_CHECKPOINT_DIR"] = str(tmp_path / "audit")
        private = Server(base_url=f"http://127.0.0.1:{port}", env=env, data_dir=tmp_path)
        _run(private, "migrate", "--noinput", "-v", "0")
        _run(private, "load_demo", "--children", "300", "--seed", "7")
        process = start_runserver(private, port, tmp_path / "runserver.log")
        try:
            principal = visit(on=private)
            page = principal.page
            words = _half_filled(principal)

            cluster.stop()
            principal.navigate(page.get_by_role("button", name="Skicka anmälan").click)

            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Tjänsten kan inte spara just nu"
            )
            expect(page.get_by_text("Ingenting skickades och ingenting sparades.")).to_be_visible()
            expect_kept(page, words)
            cluster.start()
            _wait_until_healthy(private.base_url)
            principal.navigate(page.get_by_role("button", name="Skicka igen").click)
            expect(page.get_by_role("heading", name="Anmälan är skickad")).to_be_visible()
            assert count_items(private, words[OBSERVED]) == 1
            principal.done()
        finally:
            stop_runserver(process)


def _wait_until_healthy(base_url: str, timeout: float = 60.0) -> None:
    """Wait until the server answers /healthz with 200 again: the database is back and the
    server has noticed, so the resubmit tests the app and not a race with the restart."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=5) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, "the server did not answer /healthz after the restart"
        time.sleep(0.5)

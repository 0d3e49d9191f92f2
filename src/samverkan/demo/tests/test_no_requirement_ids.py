"""No requirement id reaches a user (issue #14): walk the main pages of every demo role, with
the demo's data (team descriptions, routing rules, items in every state), and refuse any page
that shows an id like R2.1 or "(R0.2, R0.3)". The preschool head is "rektor" (SFS 2018:608):
SS 12000's "Förskolechef" stays in the mapping only."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from samverkan.access.models import User
from samverkan.demo import data, services
from samverkan.intake.models import TeamProfile

pytestmark = pytest.mark.django_db

REQUIREMENT_ID = re.compile(r"(?<![\w.])R\d+\.\d+(?![\d])")
PAGES_PER_ROLE = 15
NEVER_FOLLOW = ("/logga-ut", "/logout", "/api/", "/static/", "/admin/", "/i18n/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, text: str) -> None:
        if not self._skip:
            self.text.append(text)


def requirement_ids(html: str) -> list[str]:
    """The requirement ids a user would read on the page (text and attribute values)."""
    parser = _Links()
    parser.feed(html)
    visible = " ".join(parser.text)
    return REQUIREMENT_ID.findall(visible) + REQUIREMENT_ID.findall(
        " ".join(re.findall(r'(?:title|aria-label|placeholder|alt|value)="([^"]*)"', html))
    )


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if any(parts.path.startswith(p) for p in NEVER_FOLLOW):
            continue
        found.append(parts.path)
    return found


def test_the_checker_finds_the_ids_the_demo_used_to_show() -> None:
    assert requirement_ids("<p>Barn och unga (R2.1–R2.6)</p>") == ["R2.1", "R2.6"]
    assert requirement_ids("<dd>Kriterier (R0.2, R0.3)</dd>") == ["R0.2", "R0.3"]
    assert requirement_ids('<input value="enligt R4.3">') == ["R4.3"]
    assert requirement_ids("<p>Ring 070-123 45 67, ANM-2026-000042, HTTP/1.1</p>") == []


@pytest.fixture
def demo() -> services.DemoResult:
    return services.demo_load(children=60, seed=5)


def test_no_page_of_any_role_shows_a_requirement_id(demo: services.DemoResult) -> None:
    assert TeamProfile.objects.exists()  # the team descriptions are on the walked pages
    # Where the team descriptions show: the settings page of each team, and the queue whose
    # items offer a hand-over with the teams' criteria.
    start = ["/", "/mottagning/", "/installningar/fordelning/"] + [
        reverse("intake:team_profile", args=[p.team_id]) for p in TeamProfile.objects.all()
    ]
    offenders: dict[str, list[str]] = {}
    walked = 0
    for login in data.ROLE_LOGINS:
        client = Client()
        client.force_login(User.objects.get(username=login.username))
        queue, seen = list(start), set()
        while queue and len(seen) < PAGES_PER_ROLE:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            walked += 1
            found = requirement_ids(html)
            if "Förskolechef" in html:
                found.append("Förskolechef")
            if found:
                offenders[f"{login.username} {path}"] = found
            queue.extend(p for p in _links(html) if p not in seen)
    assert walked > len(data.ROLE_LOGINS) * 3
    assert offenders == {}

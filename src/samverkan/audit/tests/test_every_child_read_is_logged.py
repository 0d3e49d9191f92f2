"""Every page and API operation that renders a child writes an audit entry naming that child
(issue #10, DESIGN principle 2). The walk reads the live URLconf and NinjaAPI, as the policy
test does: each GET route is requested as every user of the shared world, with every path
argument filled, and a response that shows a child's name (or, from the API, a child's id) must
have written an entry listing that child. A new route that shows a child without logging it
fails here."""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from samverkan.api import api
from samverkan.audit.models import AuditEvent
from samverkan.children.tests.test_policies import USERS
from samverkan.consent.tests.test_views import make_consent
from samverkan.intake.tests.test_views_intake import report

pytestmark = pytest.mark.django_db

# Text that names no real child though it reads like the world's child1 (the search hint).
EXAMPLES = ("Till exempel Ella Andersson",)
# A path argument in the URLconf (<uuid:child_id>) or the API ({child_id}).
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry.callback


def _page_routes() -> list[str]:
    # The API is walked by its operations; the others show no child.
    skip = ("api/", "static/", "healthz", "logga-in/", "logga-ut/", "sprak/")
    routes = {route for route, _view in _routes(get_resolver().url_patterns)}
    return sorted(route for route in routes if not route.startswith(skip))


def _api_routes() -> list[str]:
    return sorted(
        "/api" + prefix + route
        for prefix, router in api._routers
        for route, path_view in router.path_operations.items()
        for operation in path_view.operations
        if "GET" in operation.methods
    )


def _objects(world: Any) -> dict[str, str]:
    """One object of every kind a route names, all about child1."""
    consent = make_consent(world)
    item = report(world)
    party = consent.parties.first()
    return {
        "child_id": str(world.child1.pk),
        "consent_id": str(consent.pk),
        "party_id": str(party.pk),
        "item_id": str(item.pk),
        "unit_id": str(world.school1.pk),
        "school_id": str(world.school1.pk),
        "team_id": str(world.team.pk),
        # Kinds that carry no child: any id will do (the page answers 404).
        "rule_id": str(uuid.uuid4()),
        "notification_id": str(uuid.uuid4()),
        "consultation_id": str(uuid.uuid4()),
        "release_id": str(uuid.uuid4()),
    }


def _fill(route: str, objects: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in objects:
            raise AssertionError(f"the walk does not know how to fill {name!r} in {route!r}")
        return objects[name]

    return "/" + PARAM.sub(value, route).lstrip("/")


def _children(world: Any) -> list[Any]:
    return [world.child1, world.child2, world.protected, world.child_b]


def _unlogged(client: Client, url: str, world: Any, *, by_id: bool) -> list[str]:
    """The children the response shows but no entry written by the request names."""
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(url, {"barn": str(world.child1.pk), "q": "Andersson"})
    if response.status_code != 200:
        return []
    body = response.content.decode("utf-8", errors="replace")
    for example in EXAMPLES:
        body = body.replace(example, "")
    logged = {
        str(c)
        for ids in AuditEvent.objects.filter(id__gt=before).values_list("child_ids", flat=True)
        for c in ids
    }
    if response["Content-Type"].startswith("application/pdf"):
        return [] if logged else [f"{url} (a PDF) wrote no entry naming a child"]
    shown = [
        child
        for child in _children(world)
        if child.full_name in body or (by_id and str(child.pk) in body)
    ]
    return [f"{url} shows {c.full_name}" for c in shown if str(c.pk) not in logged]


@pytest.mark.parametrize("user", USERS)
def test_every_page_and_api_operation_showing_a_child_logs_it(
    client: Client, world: Any, user: str
) -> None:
    objects = _objects(world)
    client.force_login(world.users[user])
    unlogged: list[str] = []

    for route in _page_routes():
        unlogged += _unlogged(client, _fill(route, objects), world, by_id=False)
    for route in _api_routes():
        unlogged += _unlogged(client, _fill(route, objects), world, by_id=True)

    assert unlogged == []


def test_the_walk_covers_the_pages_and_operations_that_show_children() -> None:
    pages, operations = set(_page_routes()), set(_api_routes())

    assert {
        "barn/<uuid:child_id>/",
        "barn/<uuid:child_id>/samtycken/ny/",
        "kontakta-socialtjansten/orosanmalan/",
        "mottagning/arenden/<uuid:item_id>/",
    } <= pages
    assert {"/api/children/{child_id}", "/api/intake/sent"} <= operations

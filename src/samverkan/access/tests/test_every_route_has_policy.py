"""Every URL and every API operation declares its policy, and undeclared views are refused
(STYLE P4). The walk reads the live URLconf and NinjaAPI, so a new route without `@policy` or
`@api_policy` fails here before it can ship."""

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path

from samverkan.access.decisions import AUTHENTICATED, POLICY_ATTR, PUBLIC, declared_policy, policy
from samverkan.access.middleware import PolicyMiddleware
from samverkan.api import api

# Views the walk leaves out: django-ninja's (one Django view per path; its operations are walked
# below) and static file serving.
EXEMPT_MODULES = ("ninja.", "django.views.static", "django.contrib.staticfiles")


def _module_of(view: Callable[..., Any]) -> str:
    # functools.partial objects carry the module of functools, not of the wrapped function.
    while isinstance(view, functools.partial):
        view = view.func
    return getattr(view, "__module__", "") or ""


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, Callable[..., Any]]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry.callback


def _project_views() -> list[tuple[str, Callable[..., Any]]]:
    return [
        (route, view)
        for route, view in _walk(get_resolver().url_patterns)
        if not _module_of(view).startswith(EXEMPT_MODULES)
    ]


def _api_operations() -> list[tuple[str, str, Callable[..., Any]]]:
    return [
        (method, prefix + route, operation.view_func)
        for prefix, router in api._routers
        for route, path_view in router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
    ]


def test_every_url_declares_a_policy() -> None:
    views = _project_views()

    undeclared = [route for route, view in views if declared_policy(view) is None]

    assert undeclared == []


def test_the_url_walk_reaches_nested_includes() -> None:
    routes = {route for route, _ in _project_views()}

    assert {"barn/", "barn/<uuid:child_id>/", "organisation/enheter/<uuid:unit_id>/"} <= routes
    assert {"logga-in/", "logga-ut/", "logg/", "healthz"} <= routes


def test_only_pages_without_personal_data_are_public() -> None:
    public = {route for route, view in _project_views() if declared_policy(view) == PUBLIC}

    # The SIP's outside participants cannot sign in: their page asks for the code given by
    # phone and shows nothing; the plan leaves only for a valid single-use link and code
    # (plans.meetings.download_fetch, audited).
    assert public == {
        "logga-in/",
        "sprak/",
        "tillganglighet/",
        "healthz",
        "sip/hamta/<str:token>/",
    }


def test_a_view_that_skips_the_login_is_public_or_an_api_operation() -> None:
    # API operations answer 401 themselves (django_auth); any other view without the login
    # redirect must be declared public.
    skipping = [
        (route, view)
        for route, view in _walk(get_resolver().url_patterns)
        if getattr(view, "login_required", True) is False
    ]

    wrong = [
        route
        for route, view in skipping
        if declared_policy(view) != PUBLIC and _module_of(view) != "ninja.operation"
    ]

    assert wrong == []
    assert {"api/children/", "api/children/<child_id>", "logga-in/"} <= {r for r, _ in skipping}


def test_every_api_operation_declares_a_policy() -> None:
    operations = _api_operations()

    undeclared = [
        (method, route) for method, route, view in operations if not hasattr(view, POLICY_ATTR)
    ]

    assert undeclared == []


def test_the_api_walk_reaches_every_children_operation() -> None:
    routes = {(method, route) for method, route, _ in _api_operations()}

    assert {("GET", "/children/"), ("GET", "/children/{child_id}")} <= routes


def test_no_api_operation_is_public() -> None:
    # The API answers with personal data only: every operation checks the actor.
    policies = [getattr(view, POLICY_ATTR) for _, _, view in _api_operations()]

    assert policies
    assert all(callable(p) for p in policies)


# A tiny URLconf for the middleware tests below (ROOT_URLCONF points at this module).
def undeclared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ska aldrig visas")


@login_not_required
def undeclared_open_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ska aldrig visas")


@policy(AUTHENTICATED)
def declared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("odeklarerad/", undeclared_view),
    path("oppen-odeklarerad/", undeclared_open_view),
    path("deklarerad/", declared_view),
]


@override_settings(ROOT_URLCONF=__name__)
def test_middleware_refuses_a_view_without_a_policy(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])

    with pytest.raises(ImproperlyConfigured, match="declares no policy"):
        client.get("/odeklarerad/")


@override_settings(ROOT_URLCONF=__name__)
def test_middleware_refuses_an_undeclared_view_even_without_login(client: Client, db: None) -> None:
    with pytest.raises(ImproperlyConfigured, match="declares no policy"):
        client.get("/oppen-odeklarerad/")


@override_settings(ROOT_URLCONF=__name__)
def test_an_undeclared_view_never_answers_with_its_content(world: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.users["principal"])

    response = client.get("/odeklarerad/")

    assert response.status_code == 500
    assert b"ska aldrig visas" not in response.content


@override_settings(ROOT_URLCONF=__name__)
def test_middleware_lets_a_declared_view_run(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])

    response = client.get("/deklarerad/")

    assert response.status_code == 200
    assert response.content == b"ok"


def test_middleware_refuses_undeclared_view_functions_directly(rf: RequestFactory) -> None:
    middleware = PolicyMiddleware(lambda request: HttpResponse())
    request = rf.get("/")

    with pytest.raises(ImproperlyConfigured):
        middleware.process_view(request, undeclared_view, (), {})
    assert middleware.process_view(request, declared_view, (), {}) is None


def test_the_api_schema_is_served_to_signed_in_staff(client: Client, world: Any) -> None:
    # ninja serves its schema through functools.partial views; the middleware must see them as
    # ninja's rather than refuse them as undeclared.
    client.force_login(world.users["principal"])

    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert "/api/children/" in response.json()["paths"]


def test_the_api_schema_needs_a_login(client: Client, db: None) -> None:
    response = client.get("/api/openapi.json")

    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/")

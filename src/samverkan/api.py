"""The JSON API (django-ninja, OpenAPI at /api/docs). Operations call the same services as the
pages and declare their policy with `api_policy`; errors answer {"code", "message", "details"}."""

import functools
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestInvalid
from ninja.security import django_auth

from samverkan.access.denials import record_denial
from samverkan.children.api import router as children_router
from samverkan.consent.api import router as consent_router
from samverkan.core.errors import DomainError, InvalidInput
from samverkan.intake.api import router as intake_router
from samverkan.plans.api import router as plans_router

api = NinjaAPI(
    title="Samverkan API",
    version="1",
    description="Skola och socialtjänst i samverkan. Alla anrop kräver inloggning och loggas.",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    record_denial(request, exc)
    return api.create_response(
        request,
        {"code": exc.code, "message": str(exc.message), "details": exc.details},
        status=exc.status,
    )


@api.exception_handler(AuthenticationError)
def not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = _("Du är inte inloggad. Logga in och försök igen.")
    return api.create_response(
        request,
        {"code": "not_authenticated", "message": str(message), "details": {}},
        status=401,
    )


@api.exception_handler(RequestInvalid)
def request_invalid(request: HttpRequest, exc: RequestInvalid) -> HttpResponse:
    return api.create_response(
        request,
        {
            "code": InvalidInput.code,
            "message": str(InvalidInput.message),
            "details": {"errors": exc.errors},
        },
        status=422,
    )


api.add_router("/children", children_router)
api.add_router("/consents", consent_router)
api.add_router("/intake", intake_router)
api.add_router("/plans", plans_router)


def api_urls() -> tuple[list[Any], str, str]:
    """The API's URLs with each operation exempt from LoginRequiredMiddleware, so an anonymous
    caller gets django_auth's 401 JSON instead of a redirect to the HTML login page. Schema and
    docs (functools.partial views) stay behind the login."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        callback = pattern.callback
        if callback is not None and not isinstance(callback, functools.partial):
            login_not_required(callback)
    return patterns, app_name, namespace

"""The JSON API (django-ninja, OpenAPI at /api/docs). Operations call the same services as the
pages and declare their policy with `api_policy`; errors answer {"code", "message", "details"}."""

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestInvalid
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

from samverkan.access.denials import record_denial
from samverkan.children.api import router as children_router
from samverkan.consent.api import router as consent_router
from samverkan.core.errors import DomainError, InvalidInput, NotFound
from samverkan.intake.api import router as intake_router
from samverkan.plans.api import router as plans_router
from samverkan.support.api import router as support_router

CSRF_MESSAGE = _(
    "Anropet kunde inte tas emot eftersom säkerhetskontrollen (CSRF) misslyckades. Ingenting "
    "har sparats. Skicka med X-CSRFToken och försök igen."
)


class CsrfFailed(HttpError):
    """A signed-in session's unsafe request without a valid CSRF token."""

    def __init__(self) -> None:
        super().__init__(403, "csrf_failed")


class SessionAuth(APIKeyCookie):
    """Django's session, as ninja's django_auth, but an anonymous caller is told 401 before any
    CSRF check (django_auth answers an anonymous POST 403), and a CSRF failure raises CsrfFailed
    so it answers in the error shape."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request):
            raise CsrfFailed
        key: str | None = request.COOKIES.get(self.param_name)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="Samverkan API",
    version="1",
    description="Skola och socialtjänst i samverkan. Alla anrop kräver inloggning och loggas.",
    auth=SessionAuth(),
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


# ninja's own errors (a body that is no JSON, a method or a CSRF check) in the same shape.
HTTP_ERRORS: dict[int, tuple[str, Any]] = {
    400: (
        "invalid_request",
        _("Anropet kunde inte läsas. Skicka giltig JSON enligt API-beskrivningen."),
    ),
    403: ("access_denied", _("Du saknar behörighet att göra detta.")),
    405: ("method_not_allowed", _("Metoden stöds inte för den här adressen.")),
    429: ("too_many_requests", _("För många anrop. Vänta en stund och försök igen.")),
}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, CsrfFailed):
        code, message = "csrf_failed", CSRF_MESSAGE
    else:
        code, message = HTTP_ERRORS.get(
            exc.status_code, ("request_failed", _("Anropet kunde inte utföras."))
        )
    return api.create_response(
        request, {"code": code, "message": str(message), "details": {}}, status=exc.status_code
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request,
        {"code": NotFound.code, "message": str(NotFound.message), "details": {}},
        status=404,
    )


api.add_router("/children", children_router)
api.add_router("/consents", consent_router)
api.add_router("/intake", intake_router)
api.add_router("/support", support_router)
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

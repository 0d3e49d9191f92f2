"""The JSON API (django-ninja, OpenAPI at /api/docs). Operations call the same services as the
pages and declare their policy with `api_policy`; errors answer {"code", "message", "details"}."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from samverkan.access.denials import record_denial
from samverkan.children.api import router as children_router
from samverkan.core.errors import DomainError

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


api.add_router("/children", children_router)

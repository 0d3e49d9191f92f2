"""Pages without personal data: health check, accessibility statement, CSRF failure."""

import datetime

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samverkan.access.decisions import PUBLIC, policy

ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 11, 23)


@require_GET
@policy(PUBLIC)
def healthz(request: HttpRequest) -> HttpResponse:
    """200 with the database status when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


@require_GET
@policy(PUBLIC)
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request, "pages/accessibility.html", {"statement_date": ACCESSIBILITY_STATEMENT_DATE}
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A forged or missing CSRF token: nothing is saved; say so in Swedish."""
    return render(
        request,
        "403.html",
        {
            "message": _(
                "Formuläret kunde inte skickas eftersom säkerhetskontrollen misslyckades. "
                "Ingenting har sparats. Ladda om sidan och försök igen."
            ),
            "code": "csrf_failed",
        },
        status=403,
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"code": "access_denied"}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)

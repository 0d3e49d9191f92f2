"""Pages without personal data: health check, accessibility statement, CSRF failure, and the
error pages (a database that does not answer keeps what was posted)."""

import datetime
import hmac
import sys
import uuid

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samverkan.access.decisions import PUBLIC, policy

from . import drafts

ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 11, 23)


def _has_health_token(request: HttpRequest) -> bool:
    """A monitor presenting SAMVERKAN_HEALTHZ_TOKEN as a bearer token (no database needed)."""
    token = settings.SAMVERKAN_HEALTHZ_TOKEN
    presented = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(presented.encode(), f"Bearer {token}".encode())


@require_GET
@policy(PUBLIC)
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not. Anonymous callers learn only up or
    down; the database's state and vendor need a login or the health token. With the database
    down a login cannot be checked, so then only the token shows the details."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        down = {"status": "unavailable"}
        if _has_health_token(request):
            down["database"] = "down"
        return JsonResponse(down, status=503)
    up = {"status": "ok"}
    if _has_health_token(request) or request.user.is_authenticated:
        up |= {"database": "ok", "vendor": connection.vendor}
    return JsonResponse(up)


@require_GET
@policy(PUBLIC)
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request, "pages/accessibility.html", {"statement_date": ACCESSIBILITY_STATEMENT_DATE}
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A forged or missing CSRF token: nothing is saved; say so in Swedish (on the API's paths
    in its error shape)."""
    if request.path.startswith("/api/"):
        message = _(
            "Anropet kunde inte tas emot eftersom säkerhetskontrollen (CSRF) misslyckades. "
            "Ingenting har sparats. Skicka med X-CSRFToken och försök igen."
        )
        return JsonResponse({"code": "csrf_failed", "message": message, "details": {}}, status=403)
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


def _database_error(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, DatabaseError):
            return True
        error = error.__cause__ or error.__context__
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A database that does not answer gets a 503 in Swedish that says nothing was
    sent and shows what was posted, ready to be sent again; rendered without touching the
    database (no request context, no session, no user: the CSRF token is the cookie's), and
    the session cookie is left alone, so the person is still signed in when it answers."""
    if not _database_error(sys.exc_info()[1]):
        return HttpResponseServerError(loader.get_template("500.html").render())
    posted = request.method == "POST"
    context = {
        "posted": posted,
        "resend": drafts.resend_fields(request) if posted else [],
        "token": (drafts.posted_token(request) or uuid.uuid4()) if posted else "",
        "action": request.get_full_path(),
        "csrf_token": get_token(request),
    }
    response = HttpResponse(loader.get_template("503.html").render(context), status=503)
    response["Retry-After"] = "30"
    return response

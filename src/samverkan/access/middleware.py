"""Per-request access plumbing: idle timeout, the Actor, and the refusal of undeclared views."""

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from samverkan.audit import services as audit_services
from samverkan.core.errors import DomainError

from .actor import Actor, actor_load
from .decisions import declared_policy
from .denials import record_denial
from .sign_in_audit import log_sign_in_event

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse]


class IdleTimeoutMiddleware:
    """Sign out a session idle for longer than SESSION_IDLE_TIMEOUT seconds. The timestamp is
    refreshed at most once a minute so a busy user does not write the session on every click."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = int(request.session.get("last_seen", now))
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                log_sign_in_event(request, audit_services.IDLE_TIMEOUT, user=request.user)
                logout(request)
                return redirect(f"{reverse('login')}?timeout=1")
            if now - last_seen >= 60 or "last_seen" not in request.session:
                request.session["last_seen"] = now
        return self.get_response(request)


class ActorMiddleware:
    """Attach `request.actor`, loaded lazily once per request (None when anonymous)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        def load() -> Actor | None:
            if not request.user.is_authenticated:
                return None
            return actor_load(user=request.user)  # type: ignore[arg-type,unused-ignore]  # stubs differ

        request.actor = SimpleLazyObject(load)  # type: ignore[attr-defined]
        return self.get_response(request)


class PolicyMiddleware:
    """Refuse to run any view that does not declare its policy (STYLE P4)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponse | None:
        target = view_func
        # ninja serves its schema and docs through functools.partial, whose __module__ is
        # "functools"; look at the wrapped function to tell whose view it is.
        while isinstance(target, functools.partial):
            target = target.func
        module = getattr(target, "__module__", "") or ""
        if module.startswith(("django.views.static", "django.contrib.staticfiles")):
            return None
        # The NinjaAPI is one Django view; each of its operations declares `api_policy`, and
        # access/tests/test_every_route_has_policy.py walks them.
        if module.startswith("ninja."):
            return None
        if declared_policy(view_func) is None:
            raise ImproperlyConfigured(
                f"View {module}.{getattr(view_func, '__name__', view_func)} declares no policy."
            )
        return None


class DomainErrorMiddleware:
    """Map domain errors raised by views to Swedish pages: NotFound → 404, AccessDenied → 403,
    both written to the audit log after the action's transaction has rolled back."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        record_denial(request, exception)
        template = {404: "404.html", 403: "403.html"}.get(exception.status, "error.html")
        return render(
            request,
            template,
            {"message": exception.message, "code": exception.code},
            status=exception.status,
        )

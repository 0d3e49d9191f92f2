"""Request id for logs and audit entries."""

import contextvars
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_client_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "client_request_id", default=""
)
# What of a client's X-Request-ID is kept (in the audit entry's details, never as its id).
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def current_request_id() -> str:
    return _request_id.get()


def current_client_request_id() -> str:
    """The X-Request-ID the client sent, when it was a plain token of at most 64 characters."""
    return _client_request_id.get()


class RequestIdMiddleware:
    """Give every request the server's own id for logs and the audit log. A client's
    X-Request-ID never becomes the id (anyone can send one); a plain token of at most 64
    characters is kept beside it, for the audit entry's details."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = uuid.uuid4().hex
        token = _request_id.set(request_id)
        client_token = _client_request_id.set(incoming if _CLIENT_ID.fullmatch(incoming) else "")
        try:
            response = self.get_response(request)
        finally:
            _client_request_id.reset(client_token)
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SwedishFirstLocaleMiddleware:
    """Swedish unless the user chose English with the language switch (a cookie). Unlike
    Django's LocaleMiddleware, a browser's Accept-Language never switches the product's
    language: staff on an English operating system still get the Swedish service."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response

"""The two floors of `bench/http_bench.py`, served by gunicorn like the app.

- `raw_application`: a bare WSGI callable returning 12 kB of HTML (gunicorn alone);
- `django_application`: Django with these settings: one view returning the same 12 kB, no
  middleware, no session, no database, no template (Django's request and URL routing alone).
"""

import os

from django.http import HttpRequest, HttpResponse
from django.urls import path

BODY = (
    b"<!doctype html><html lang=sv><head><title>Golv</title></head><body>"
    + b"<p>"
    + b"x" * 12_200
    + b"</p>"
    + b"</body></html>"
)[:12_288]


def raw_application(environ, start_response):  # type: ignore[no-untyped-def]
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))],
    )
    return [BODY]


# --- the bare Django view: this module is also its settings and its URLconf ------------------

SECRET_KEY = "bench-floor-not-secret-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, object] = {}
USE_TZ = True


def bare_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY)


urlpatterns = [path("", bare_view)]


def _django_application():  # type: ignore[no-untyped-def]
    os.environ["DJANGO_SETTINGS_MODULE"] = __name__
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


class _Lazy:
    """gunicorn imports `django_application` before forking; Django is set up on first call."""

    app = None

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        if self.app is None:
            self.app = _django_application()
        return self.app(environ, start_response)


django_application = _Lazy()

"""Production: every secret and host comes from the environment; HTTPS only.

Refuses to start, naming each missing variable, when the environment lacks what it needs
(`settings.environment`). The runbook is docs/runbooks/production.md.
"""

import os
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOGGING as BASE_LOGGING
from .environment import missing_or_invalid, refusal

_problems = missing_or_invalid(os.environ)
if _problems:
    raise ImproperlyConfigured(refusal(_problems))

SECRET_KEY = os.environ["SAMVERKAN_SECRET_KEY"]
# Kept connections are checked before reuse (base.py sets it for DATABASE_URL; SQLite too).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
STATIC_ROOT = os.environ.get("SAMVERKAN_STATIC_ROOT", str(DATA_DIR / "static"))  # noqa: F405
WHITENOISE_USE_FINDERS = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SAMVERKAN_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000
# The reverse proxy terminates TLS and says so in X-Forwarded-Proto (it must overwrite what a
# client sends). gunicorn listens on 127.0.0.1 only, so nothing else can set the header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The addresses of the reverse proxies; behind them the client's address is the last one in
# X-Forwarded-For that is not a proxy (lockout after wrong passwords counts per address).
SAMVERKAN_TRUSTED_PROXIES = frozenset(
    ip.strip()
    for ip in os.environ.get("SAMVERKAN_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
    if ip.strip()
)
AXES_CLIENT_IP_CALLABLE = "samverkan.core.proxy.client_ip"

# E-mail: by default a local MTA (Postfix relaying to the municipality's mail server), which
# queues when the relay is down; or straight to an SMTP server.
EMAIL_HOST = os.environ.get("SAMVERKAN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SAMVERKAN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SAMVERKAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SAMVERKAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("SAMVERKAN_EMAIL_STARTTLS", "0") == "1"
EMAIL_TIMEOUT = 30
SERVER_EMAIL = DEFAULT_FROM_EMAIL  # noqa: F405
# Who `samverkan alert` e-mails when a job fails (comma-separated); the system log always.
SAMVERKAN_ALERT_EMAILS = os.environ.get("SAMVERKAN_ALERT_EMAILS", "")

# Base's logging (to stderr, which systemd keeps in the journal), each line saying its level
# and logger, and every task the worker runs.
_base_loggers = cast(dict[str, Any], BASE_LOGGING.get("loggers", {}))
LOGGING = {
    **BASE_LOGGING,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {**_base_loggers, "django_tasks": {"level": "INFO"}},
}

# Django's deploy check asks for HSTS on every subdomain and the preload list; the
# municipality's other hosts under its domain are not ours to force onto HTTPS.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

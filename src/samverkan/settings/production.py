"""Production: every secret and host comes from the environment; HTTPS only."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["SAMVERKAN_SECRET_KEY"]
STATIC_ROOT = os.environ.get("SAMVERKAN_STATIC_ROOT", str(DATA_DIR / "static"))  # noqa: F405
WHITENOISE_USE_FINDERS = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SAMVERKAN_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

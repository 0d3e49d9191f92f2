"""Local development and the demo: SQLite, console e-mail, debug toolbar off."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("SAMVERKAN_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("SAMVERKAN_SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Without SAMVERKAN_AUDIT_KEYS the demo MACs its audit log with a key generated on first use.
AUDIT_KEY_FILE = DATA_DIR / "audit-dev.key"  # noqa: F405

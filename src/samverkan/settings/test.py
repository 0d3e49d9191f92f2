"""Tests: fast hashing, immediate tasks, in-memory e-mail, a temporary checkpoint folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AUDIT_CHECKPOINT_DIR = Path(tempfile.mkdtemp(prefix="samverkan-audit-"))
# A fixed, public key: only tests use it.
AUDIT_KEYS = "test:" + "dGVzdC1vbmx5LW5vdC1zZWNyZXQtYXVkaXQta2V5LTAwMDA="
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="samverkan-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

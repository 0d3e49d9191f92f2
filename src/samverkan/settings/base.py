"""Settings shared by every environment. Environment variables override what varies."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded database, audit checkpoints and uploads live when nothing else is set.
DATA_DIR = Path(os.environ.get("SAMVERKAN_DATA_DIR", Path.cwd() / "var"))

SECRET_KEY = os.environ.get("SAMVERKAN_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("SAMVERKAN_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "template_partials",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "samverkan.core",
    "samverkan.organisations",
    "samverkan.access",
    "samverkan.children",
    "samverkan.audit",
    "samverkan.consent",
    "samverkan.notifications",
    "samverkan.intake",
    "samverkan.support",
    "samverkan.plans",
    "samverkan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "samverkan.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "samverkan.core.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "samverkan.access.middleware.IdleTimeoutMiddleware",
    "samverkan.access.middleware.ActorMiddleware",
    "samverkan.access.middleware.PolicyMiddleware",
    "samverkan.access.middleware.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "samverkan.urls"
WSGI_APPLICATION = "samverkan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "samverkan.access.context_processors.navigation",
                "samverkan.core.drafts.drafts_to_clear",
            ],
        },
    }
]


def database_from_env(default_sqlite: Path) -> dict[str, object]:
    """DATABASE_URL selects PostgreSQL; without it the embedded SQLite database is used."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        # Connections are kept a minute per process (gunicorn's workers reuse them) and checked
        # before reuse, so a restarted PostgreSQL costs no failed request, a resend from the
        # database-error page among them (docs/forms.md).
        config: dict[str, object] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
        if config.get("ENGINE") == "django.db.backends.postgresql" and os.environ.get(
            "SAMVERKAN_DB_SERVER_SIDE_BINDING", "1"
        ) not in ("0", "false", "no"):
            # Parameters bound by the server, and statements prepared once a connection has
            # run them a few times (psycopg's prepare_threshold): PostgreSQL then plans each
            # page's queries once per connection, not on every request (docs/adr/0005).
            # A pooler in transaction mode in front of PostgreSQL cannot keep prepared
            # statements: set SAMVERKAN_DB_SERVER_SIDE_BINDING=0 there.
            options = config.get("OPTIONS")
            config["OPTIONS"] = {
                **(options if isinstance(options, dict) else {}),
                "server_side_binding": True,
            }
        return config
    # The embedded database's folder is created on first use, so a fresh data dir just works.
    default_sqlite.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(default_sqlite),
        "OPTIONS": {
            # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue instead of failing with "database is locked" mid-way.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_from_env(DATA_DIR / "samverkan.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "access.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

# Sessions: an absolute lifetime of one working day and an idle timeout (IdleTimeoutMiddleware).
# Django's database sessions; core.sessions only writes the read of every request as SQL once.
SESSION_ENGINE = "samverkan.core.sessions"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "samverkan.core.views.csrf_failure"

# django-axes: ten wrong passwords for one username from one address lock it for an hour.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("Engelska"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic target in production (settings.production); the app serves from the finders otherwise.
STATIC_ROOT = os.environ.get("SAMVERKAN_STATIC_ROOT") or None
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads (consent evidence) live in the data directory, readable by the service user alone,
# under generated names; they are served only through views that check policy and audit.
MEDIA_ROOT = Path(os.environ.get("SAMVERKAN_MEDIA_ROOT", DATA_DIR / "media"))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# The limit holds while the body streams (samverkan.core.uploads); the proxy refuses far more.
SAMVERKAN_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "samverkan.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("SAMVERKAN_FROM_EMAIL", "samverkan@localhost")
# Links in notification e-mails start with this (e.g. "https://samverkan.example.se").
SAMVERKAN_BASE_URL = os.environ.get("SAMVERKAN_BASE_URL", "")
# A monitor presenting "Authorization: Bearer <token>" sees /healthz's details; empty: none does.
SAMVERKAN_HEALTHZ_TOKEN = os.environ.get("SAMVERKAN_HEALTHZ_TOKEN", "")
# Register lookups by exact identity number a user may make in an hour on the report form
# (a child at another school; docs/intake.md).
INTAKE_REGISTER_LOOKUPS_PER_HOUR = int(
    os.environ.get("SAMVERKAN_INTAKE_REGISTER_LOOKUPS_PER_HOUR", "10")
)
# About two schools per social worker in the intake group (R4.3).
SAMVERKAN_CONTACT_TARGET_SCHOOLS = 2

# The audit chain's checkpoints are written outside the database (DESIGN principle 2).
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("SAMVERKAN_AUDIT_CHECKPOINT_DIR", DATA_DIR / "audit"))
# The keyring that MACs audit entries, links and checkpoints: `id:key,id:key`, newest first (the
# first signs, all verify); parsed and validated by samverkan.audit.keys. The keys never enter
# the database. Required in production; dev.py falls back to AUDIT_KEY_FILE, test.py fixes one.
AUDIT_KEYS = os.environ.get("SAMVERKAN_AUDIT_KEYS", "")
AUDIT_KEY_FILE: Path | None = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Every audit checkpoint is also a log line (INFO), so the system log (journald/syslog) and
    # a collector outside the machine keep a copy; see docs/runbooks/audit.md.
    "loggers": {"samverkan.audit.checkpoint": {"level": "INFO"}},
}

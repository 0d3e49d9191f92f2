"""Settings of the app under `bench/http_bench.py`: the dev settings with DEBUG off and the
cached template loader named explicitly, so the app runs as in production without HTTPS (the
benchmark speaks plain HTTP to gunicorn on 127.0.0.1)."""

from samverkan.settings.dev import *  # noqa: F403
from samverkan.settings.dev import TEMPLATES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
TEMPLATES = [
    {
        **TEMPLATES[0],
        "APP_DIRS": False,
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]

"""The `samverkan` console script: the project's manage.py."""

import os
import sys


def main() -> None:
    # `serve` is the production server; every other command defaults to the dev settings.
    serving = sys.argv[1:2] == ["serve"]
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE",
        "samverkan.settings.production" if serving else "samverkan.settings.dev",
    )
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 (loads the settings: refuse here, not in a traceback)
    except ImproperlyConfigured as error:
        sys.exit(f"samverkan: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

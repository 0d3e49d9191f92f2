from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class ChildrenConfig(AppConfig):
    name = "samverkan.children"
    label = "children"

    def ready(self) -> None:
        post_migrate.connect(_ensure_name_index, sender=self)


def _ensure_name_index(*, using: str, plan: Any = None, **kwargs: Any) -> None:
    """After every migrate: the name index is there (a migration that rebuilds the child table
    on SQLite drops its triggers; they and the index are then made again). ADR 0004."""
    from django.db.migrations.recorder import MigrationRecorder

    from .search import ensure_index

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("children", INDEX_MIGRATION) in applied:
        ensure_index(connection)


INDEX_MIGRATION = "0004_child_name_search"

"""The database itself refuses to change or remove audit entries (DESIGN principle 2).

The only UPDATE allowed is sealing: an unsealed row (sealed_at IS NULL) receives its seq,
prev_hash, hash and sealed_at once, with every other column unchanged. DELETE is refused, and on
PostgreSQL TRUNCATE too. The chain head may move forward but never be removed.
"""

from django.db import migrations

CONTENT_COLUMNS = (
    "id",
    "municipality_id",
    "occurred_at",
    "actor_user_id",
    "actor_username",
    "actor_role",
    "actor_unit_id",
    "action",
    "event",
    "object_type",
    "object_id",
    "child_ids",
    "purpose",
    "details",
    "request_id",
)
MESSAGE = "audit log is append-only"


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"NEW.{c} {distinct} OLD.{c}" for c in columns)


SQLITE_UP = [
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_seal_once BEFORE UPDATE ON audit_auditevent
    WHEN OLD.sealed_at IS NOT NULL OR NEW.sealed_at IS NULL OR NEW.seq IS NULL
      OR {_changed(CONTENT_COLUMNS, "IS NOT")}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_auditchainhead
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_auditchainhead
    WHEN NEW.seq < OLD.seq OR NEW.municipality_id IS NOT OLD.municipality_id
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_event_seal_once",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_forward_only",
]

POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END $$""",
    f"""CREATE OR REPLACE FUNCTION audit_event_seal_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.sealed_at IS NOT NULL OR NEW.sealed_at IS NULL OR NEW.seq IS NULL
         OR {_changed(CONTENT_COLUMNS, "IS DISTINCT FROM").replace("NEW.child_ids IS DISTINCT FROM OLD.child_ids", "NEW.child_ids::text IS DISTINCT FROM OLD.child_ids::text").replace("NEW.details IS DISTINCT FROM OLD.details", "NEW.details::text IS DISTINCT FROM OLD.details::text")}
      THEN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.seq < OLD.seq OR NEW.municipality_id IS DISTINCT FROM OLD.municipality_id
      THEN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()""",
    """CREATE TRIGGER audit_event_seal_once BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_seal_once()""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_refuse()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_seal_once ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_auditchainhead",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_auditchainhead",
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_auditchainhead",
    "DROP FUNCTION IF EXISTS audit_refuse()",
    "DROP FUNCTION IF EXISTS audit_event_seal_once()",
    "DROP FUNCTION IF EXISTS audit_head_forward_only()",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]

"""Entries enter the log unsealed; only the sealing step gives them a place and a hash.

The database refuses an INSERT of an already sealed row (a forged entry placed past the head),
a chain head created anywhere but at the start, and a head whose hash changes without moving
forward.
"""

from django.db import migrations

MESSAGE = "audit log is append-only"

SQLITE_UP = [
    f"""CREATE TRIGGER audit_event_insert_unsealed BEFORE INSERT ON audit_auditevent
    WHEN NEW.sealed_at IS NOT NULL OR NEW.seq IS NOT NULL OR NEW.hash != ''
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_head_insert_at_start BEFORE INSERT ON audit_auditchainhead
    WHEN NEW.seq != 0 OR NEW.hash != ''
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_head_hash_moves_forward BEFORE UPDATE ON audit_auditchainhead
    WHEN NEW.hash IS NOT OLD.hash AND NEW.seq <= OLD.seq
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_insert_unsealed",
    "DROP TRIGGER IF EXISTS audit_head_insert_at_start",
    "DROP TRIGGER IF EXISTS audit_head_hash_moves_forward",
]
POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION audit_event_insert_unsealed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.sealed_at IS NOT NULL OR NEW.seq IS NOT NULL OR NEW.hash <> '' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION audit_head_insert_at_start() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.seq <> 0 OR NEW.hash <> '' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION audit_head_hash_moves_forward() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.hash IS DISTINCT FROM OLD.hash AND NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_event_insert_unsealed BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_insert_unsealed()""",
    """CREATE TRIGGER audit_head_insert_at_start BEFORE INSERT ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_insert_at_start()""",
    """CREATE TRIGGER audit_head_hash_moves_forward BEFORE UPDATE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_hash_moves_forward()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_insert_unsealed ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_head_insert_at_start ON audit_auditchainhead",
    "DROP TRIGGER IF EXISTS audit_head_hash_moves_forward ON audit_auditchainhead",
    "DROP FUNCTION IF EXISTS audit_event_insert_unsealed()",
    "DROP FUNCTION IF EXISTS audit_head_insert_at_start()",
    "DROP FUNCTION IF EXISTS audit_head_hash_moves_forward()",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]

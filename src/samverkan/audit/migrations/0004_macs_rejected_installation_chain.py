"""MACs, rejected entries and the installation's chain (issue #10, ADR 0003).

Schema: `mac` (the entry's MAC, written by the app), `link_mac` and `rejected` (written by the
sealing step), the tenant optional (the installation's chain) and that chain's head.

Triggers, replacing those of 0002 and 0003 on the audit table (SQLite rebuilds the table for the
new columns and drops its triggers with the old one): an INSERT must be unsealed, unlinked and not
rejected; the only UPDATE is sealing an unsealed row once with every content column, the MAC
included, unchanged, either linked (seq, prev_hash, hash, link_mac, sealed_at) or rejected
(sealed_at and the mark, nothing else). The installation head has the tenant heads' rules.
"""

import django.db.models.deletion
from django.db import migrations, models

MESSAGE = "audit log is append-only"
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
    "mac",
)


def _changed(distinct: str, cast: str = "") -> str:
    return " OR ".join(
        f"NEW.{c}{cast if c in ('child_ids', 'details') else ''} {distinct} "
        f"OLD.{c}{cast if c in ('child_ids', 'details') else ''}"
        for c in CONTENT_COLUMNS
    )


# The update is refused unless it seals an unsealed, unrejected row with its content unchanged,
# and it links the row or rejects it, nothing in between.
SEAL_REFUSED = (
    "OLD.sealed_at IS NOT NULL OR OLD.rejected OR NEW.sealed_at IS NULL OR {changed} OR NOT ("
    "(NOT NEW.rejected AND NEW.seq IS NOT NULL AND NEW.hash <> '' AND NEW.link_mac <> '') OR "
    "(NEW.rejected AND NEW.seq IS NULL AND NEW.hash = '' AND NEW.prev_hash = '' "
    "AND NEW.link_mac = ''))"
)
INSERT_REFUSED = (
    "NEW.sealed_at IS NOT NULL OR NEW.seq IS NOT NULL OR NEW.hash <> '' OR NEW.prev_hash <> '' "
    "OR NEW.link_mac <> '' OR NEW.rejected"
)

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_event_seal_once",
    "DROP TRIGGER IF EXISTS audit_event_insert_unsealed",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_seal_once BEFORE UPDATE ON audit_auditevent
    WHEN {SEAL_REFUSED.format(changed=_changed("IS NOT"))}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_insert_unsealed BEFORE INSERT ON audit_auditevent
    WHEN {INSERT_REFUSED}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_installation_head_no_delete BEFORE DELETE
    ON audit_auditinstallationhead BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_installation_head_insert_at_start BEFORE INSERT
    ON audit_auditinstallationhead WHEN NEW.id != 1 OR NEW.seq != 0 OR NEW.hash != ''
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_installation_head_forward_only BEFORE UPDATE
    ON audit_auditinstallationhead
    WHEN NEW.seq < OLD.seq OR NEW.id IS NOT OLD.id OR (NEW.hash IS NOT OLD.hash AND NEW.seq <= OLD.seq)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_installation_head_no_delete",
    "DROP TRIGGER IF EXISTS audit_installation_head_insert_at_start",
    "DROP TRIGGER IF EXISTS audit_installation_head_forward_only",
]


def _plpgsql(name: str, refused: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF {refused} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$"""


POSTGRES_UP = [
    _plpgsql(
        "audit_event_seal_once",
        SEAL_REFUSED.format(changed=_changed("IS DISTINCT FROM", "::text")),
    ),
    _plpgsql("audit_event_insert_unsealed", INSERT_REFUSED),
    _plpgsql(
        "audit_installation_head_insert_at_start", "NEW.id <> 1 OR NEW.seq <> 0 OR NEW.hash <> ''"
    ),
    _plpgsql(
        "audit_installation_head_forward_only",
        "NEW.seq < OLD.seq OR NEW.id IS DISTINCT FROM OLD.id "
        "OR (NEW.hash IS DISTINCT FROM OLD.hash AND NEW.seq <= OLD.seq)",
    ),
    """CREATE TRIGGER audit_installation_head_no_delete BEFORE DELETE
    ON audit_auditinstallationhead FOR EACH ROW EXECUTE FUNCTION audit_refuse()""",
    """CREATE TRIGGER audit_installation_head_no_truncate BEFORE TRUNCATE
    ON audit_auditinstallationhead FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()""",
    """CREATE TRIGGER audit_installation_head_insert_at_start BEFORE INSERT
    ON audit_auditinstallationhead FOR EACH ROW
    EXECUTE FUNCTION audit_installation_head_insert_at_start()""",
    """CREATE TRIGGER audit_installation_head_forward_only BEFORE UPDATE
    ON audit_auditinstallationhead FOR EACH ROW
    EXECUTE FUNCTION audit_installation_head_forward_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_installation_head_no_delete ON audit_auditinstallationhead",
    "DROP TRIGGER IF EXISTS audit_installation_head_no_truncate ON audit_auditinstallationhead",
    "DROP TRIGGER IF EXISTS audit_installation_head_insert_at_start ON audit_auditinstallationhead",
    "DROP TRIGGER IF EXISTS audit_installation_head_forward_only ON audit_auditinstallationhead",
    "DROP FUNCTION IF EXISTS audit_installation_head_insert_at_start()",
    "DROP FUNCTION IF EXISTS audit_installation_head_forward_only()",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_refuse_forged_inserts'),
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditInstallationHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('seq', models.BigIntegerField(default=0)),
                ('hash', models.CharField(blank=True, default='', max_length=64)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='link_mac',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='mac',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='rejected',
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='municipality',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, to='organisations.municipality'),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(condition=models.Q(('municipality__isnull', True)), fields=('seq',), name='audit_unique_installation_seq'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('view', 'Läsning'), ('create', 'Skapande'), ('change', 'Ändring'), ('export', 'Export'), ('search', 'Sökning'), ('denied', 'Nekad åtkomst'), ('login', 'Inloggning'), ('system', 'Loggens egen händelse')], max_length=20),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]

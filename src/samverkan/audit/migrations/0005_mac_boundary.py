"""The MAC boundary (issue #10): every chain that already has entries gets a system entry
`audit.mac_boundary`, MACed and sealed, after its entries written without a MAC; see
`chain.start_macs`. Needs the audit keyring (SAMVERKAN_AUDIT_KEYS, or the demo's key file).
A fresh database has no entries and nothing to do.

It uses the app's models and chain code (the historical models cannot compute the chain): a
later migration of the audit models must keep this one working on a database with entries.
"""

from django.db import migrations


def start_macs(apps, schema_editor):  # type: ignore[no-untyped-def]
    AuditEvent = apps.get_model("audit", "AuditEvent")
    tenants = sorted(
        {
            str(t)
            for t in AuditEvent.objects.values_list("municipality_id", flat=True).distinct()
            if t is not None
        }
    )
    if not tenants:
        return
    from samverkan.audit.chain import start_macs as start

    for tenant in tenants:
        start(tenant)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_macs_rejected_installation_chain")]

    operations = [migrations.RunPython(start_macs, migrations.RunPython.noop)]

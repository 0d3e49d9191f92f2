"""Existing consents when "the holder discloses" lands: the side that recorded a consent keeps
its direction open (a confirmation marked as migrated), the other side waits for confirmation,
and the recipients become the purpose's default roles at each named unit (docs/consent.md)."""

from django.db import migrations
from django.utils import timezone

SCHOOL_DEFAULT = ("principal", "counsellor", "special_educator")
PRESCHOOL_DEFAULT = ("preschool_head",)
SOCIAL_DEFAULT = ("intake_social_worker", "team_social_worker", "unit_head")
STUDENT_HEALTH = {
    "principal",
    "preschool_head",
    "counsellor",
    "school_nurse",
    "school_doctor",
    "school_psychologist",
    "special_educator",
}


def _defaults(kind, domain):
    if kind == "preschool":
        return PRESCHOOL_DEFAULT
    if kind == "school":
        return SCHOOL_DEFAULT
    if domain == "social_services":
        return SOCIAL_DEFAULT
    return ()


def forwards(apps, schema_editor):
    Consent = apps.get_model("consent", "Consent")
    Confirmation = apps.get_model("consent", "ConsentConfirmation")
    Recipient = apps.get_model("consent", "ConsentRecipient")
    RoleAssignment = apps.get_model("access", "RoleAssignment")
    for consent in Consent.objects.all().iterator(chunk_size=500):
        units = list(consent.units.all())
        Recipient.objects.bulk_create(
            [
                Recipient(consent_id=consent.pk, unit_id=u.pk, role=role)
                for u in units
                for role in _defaults(u.kind, u.domain)
            ],
            ignore_conflicts=True,
        )
        # The recorder's side: a student-health role at a named school, else social services.
        grants = list(
            RoleAssignment.objects.filter(user_id=consent.recorded_by_id).select_related("unit")
        )
        unit_ids = {u.pk for u in units}
        side, unit_id = "", None
        for g in grants:
            if g.role in STUDENT_HEALTH and g.unit.domain == "school" and g.unit_id in unit_ids:
                side, unit_id = "school", g.unit_id
                break
        if not side:
            for g in grants:
                if g.unit.domain == "social_services" and g.unit_id in unit_ids:
                    side, unit_id = "social_services", g.unit_id
                    break
        if not side:
            for g in grants:
                if g.unit.domain in ("school", "social_services"):
                    side = g.unit.domain
                    named = [u.pk for u in units if u.domain == side]
                    unit_id = named[0] if named else None
                    break
        if side and unit_id is not None:
            Confirmation.objects.get_or_create(
                consent_id=consent.pk,
                side=side,
                defaults={
                    "unit_id": unit_id,
                    "confirmed_by_id": consent.recorded_by_id,
                    "confirmed_at": consent.created_at or timezone.now(),
                    "evidence_kind": "signed_form" if consent.evidence else "oral",
                    "oral_received_by": "" if consent.evidence else "(registrerat före bekräftelse)",
                    "is_migrated": True,
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_confirmations_recipients_releases"),
        ("access", "0002_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

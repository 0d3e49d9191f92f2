"""Give every existing municipality the seeds' four episode types (support.types.DEFAULT_TYPES,
copied here so the migration never changes with the code)."""

import uuid

from django.db import migrations

TYPES = (
    ("intensive_school_social", "Intensivt skolsocialt stöd", 6, 16, 12,
     ["team_social_worker", "team_teacher"], "support_service", False),
    ("family_coordination", "Familjekoordinering", 6, 16, None,
     ["family_coordinator"], "family_mandate", True),
    ("network_work", "Nätverksarbete", 0, 20, None, ["network_worker"], "support_service", False),
    ("foster_care_school", "Stöd i skolan för familjehemsplacerade barn", 6, 16, None,
     ["team_social_worker", "team_teacher"], "support_service", False),
)


def create_types(apps, schema_editor):
    Municipality = apps.get_model("organisations", "Municipality")
    EpisodeType = apps.get_model("support", "EpisodeType")
    for municipality_id in Municipality.objects.values_list("id", flat=True):
        have = set(
            EpisodeType.objects.filter(municipality_id=municipality_id).values_list(
                "code", flat=True
            )
        )
        EpisodeType.objects.bulk_create(
            EpisodeType(
                id=uuid.uuid4(),
                municipality_id=municipality_id,
                code=code,
                name=name,
                age_from=age_from,
                age_to=age_to,
                weeks_limit=weeks,
                professions=professions,
                consent_purpose=purpose,
                is_family_work=family,
            )
            for code, name, age_from, age_to, weeks, professions, purpose, family in TYPES
            if code not in have
        )


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial"), ("organisations", "0001_initial")]

    operations = [migrations.RunPython(create_types, migrations.RunPython.noop)]

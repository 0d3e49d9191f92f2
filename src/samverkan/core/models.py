"""Base model and the vocabularies every app shares."""

import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

# Each field's choices as a mapping, made once per process (the labels stay lazy).
_CHOICE_LABELS: dict[models.Field[Any, Any], dict[Any, Any]] = {}


class BaseModel(models.Model):
    """UUID primary key and creation/update times for every table of the product."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:  # noqa: N802 (Django's name)
        """Django's get_FOO_display(), with the field's choices made into a mapping once rather
        than on every call: Django's own runs make_hashable over every choice each time, which
        translates every label of the field (a 50-row list called it twice a row). The labels
        are kept lazy, so each call still speaks the request's language."""
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class SecrecyDomain(models.TextChoices):
    """Secrecy domains (DESIGN principle 1): information crosses only on a recorded basis."""

    SCHOOL = "school", _("Skola")
    SOCIAL_SERVICES = "social_services", _("Socialtjänst")
    HEALTH = "health", _("Hälso- och sjukvård")


class RecordCategory(models.TextChoices):
    """What a record about a child is about; consent scopes name these categories."""

    SCHOOL_SITUATION = "school_situation", _("Skolsituation och närvaro")
    STUDENT_HEALTH = "student_health", _("Elevhälsa")
    # The school nurse's, doctor's and psychologist's records: health care under the Patient
    # Data Act (PDL 4 kap.), closed even to the principal who leads student health.
    STUDENT_HEALTH_CARE = "student_health_care", _("Elevhälsans medicinska och psykologiska insats")
    SOCIAL_SITUATION = "social_situation", _("Social situation och insatser")
    PLAN = "plan", _("Planen")

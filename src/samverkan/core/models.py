"""Base model and the vocabularies every app shares."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """UUID primary key and creation/update times for every table of the product."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


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

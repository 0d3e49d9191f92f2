"""People and the roles they hold in units for a period."""

import datetime
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.core.models import BaseModel
from samverkan.organisations.models import Municipality, Unit

from .roles import Role


class User(AbstractUser):
    """A member of staff. Belongs to exactly one tenant; may hold several roles at once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("kommun"),
    )
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    title = models.CharField(_("titel"), max_length=120, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("användare")
        verbose_name_plural = _("användare")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def valid_on(self, day: datetime.date) -> "RoleAssignmentQuerySet":
        return self.filter(
            Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        )


def valid_on_sql(alias: str) -> str:
    """`valid_on` (a role assignment's, a unit's: the same rule) for SQL written by hand: the
    row of `alias` is valid on the day passed twice as parameters."""
    return (
        f'{alias}."valid_from" <= %s AND ({alias}."valid_to" IS NULL OR {alias}."valid_to" >= %s)'
    )


class RoleAssignment(BaseModel):
    """A person holds a role in a unit from one date to another (ROADMAP: roles)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(_("roll"), max_length=40, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="role_assignments")
    valid_from = models.DateField(_("från"), default=timezone.localdate)
    valid_to = models.DateField(_("till"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user", "role", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="role_valid_to_after_from",
            ),
        ]
        indexes = [models.Index(fields=["unit", "role"])]
        verbose_name = _("roll")
        verbose_name_plural = _("roller")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.unit})"

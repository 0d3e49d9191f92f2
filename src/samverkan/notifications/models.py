"""In-app notifications to staff, mirrored by e-mail. Never child data (R4.3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.core.models import BaseModel
from samverkan.organisations.models import Municipality


class Notification(BaseModel):
    """One message to one person: shown under Notiser and sent once by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    kind = models.CharField(_("typ"), max_length=40)
    title = models.CharField(_("rubrik"), max_length=200)
    body = models.TextField(_("text"))
    url = models.CharField(_("länk"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("läst"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-post skickad"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        verbose_name = _("notis")
        verbose_name_plural = _("notiser")

    def __str__(self) -> str:
        return self.title

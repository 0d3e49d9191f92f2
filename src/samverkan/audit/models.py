"""The append-only audit log, chained by hash per tenant (DESIGN principle 2, STYLE P5)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.access.roles import Role
from samverkan.organisations.models import Municipality


class AuditAction(models.TextChoices):
    VIEW = "view", _("Läsning")
    CREATE = "create", _("Skapande")
    CHANGE = "change", _("Ändring")
    EXPORT = "export", _("Export")
    SEARCH = "search", _("Sökning")
    DENIED = "denied", _("Nekad åtkomst")
    LOGIN = "login", _("Inloggning")
    SYSTEM = "system", _("Loggens egen händelse")


class AuditEvent(models.Model):
    """One entry. Appended unsealed inside the action's transaction; a short sealing step then
    gives it its place (`seq`) and hash in its tenant's chain. The database refuses DELETE and
    every UPDATE except sealing an unsealed row once (triggers, migration 0002)."""

    id = models.BigAutoField(primary_key=True)
    # The tenant's chain; NULL only for the installation's own chain (sign-in events that belong
    # to no tenant, such as a failed attempt on an unknown username).
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, db_index=False, null=True, blank=True
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    # Who: the person, and the role and unit under which they acted.
    actor_user_id = models.UUIDField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    actor_unit_id = models.UUIDField(null=True, blank=True)
    # What: the action, a stable event code, the record and the children it concerns.
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    event = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    child_ids = models.JSONField(default=list, blank=True)
    # Why: purpose or legal basis ("need_to_know", "reporting_duty:OSL 10:28", "consent:<id>").
    purpose = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # `<key id>:<HMAC-SHA256>` of the content, computed by the app when it appends the entry,
    # with a key that never enters the database (audit/keys.py). Empty only before the MAC
    # boundary (entries written before MACs existed).
    mac = models.CharField(max_length=100, blank=True, default="")
    # The chain: set once by the sealing step, the link MACed as `link_mac`. An entry whose MAC
    # fails is never linked: sealing marks it `rejected` (sealed_at set, no seq).
    seq = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")
    sealed_at = models.DateTimeField(null=True, blank=True)
    link_mac = models.CharField(max_length=100, blank=True, default="")
    rejected = models.BooleanField(default=False)

    class Meta:
        ordering = ["municipality", "seq", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "seq"], name="audit_unique_seq"),
            models.UniqueConstraint(
                fields=["seq"],
                condition=models.Q(municipality__isnull=True),
                name="audit_unique_installation_seq",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "sealed_at", "id"], name="audit_pending_idx"),
            models.Index(fields=["municipality", "occurred_at"], name="audit_time_idx"),
            models.Index(fields=["actor_user_id", "occurred_at"], name="audit_user_idx"),
        ]
        verbose_name = _("logghändelse")
        verbose_name_plural = _("logghändelser")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.event} {self.actor_username}"

    @property
    def actor_role_label(self) -> str:
        return (
            str(Role(self.actor_role).label) if self.actor_role in Role.values else self.actor_role
        )

    @property
    def purpose_label(self) -> str:
        """The basis in words: the relation that allowed the access, or the consent."""
        head, _sep, rest = self.purpose.partition(";")
        label = str(PURPOSE_LABELS.get(head, head))
        return f"{label}; {_('samtycke')}" if rest.startswith("consent:") else label


PURPOSE_LABELS = {
    "need_to_know": _("Behov i tjänsten"),
    "intake_remit": _("Mottagningens uppdrag"),
    "enrolled_at_own_school": _("Elev vid egen skola"),
    "caseload": _("Eget ärende"),
    "log_follow_up": _("Loggkontroll"),
    "expiry": _("Giltighetstiden har gått ut"),
    "": "",
}


class _ChainHead(models.Model):
    """A chain's head: the last sealed entry's place and hash. Locked only while sealing, never
    for the length of a request's transaction."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditChainHead(_ChainHead):
    """A tenant's chain head."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )

    class Meta:
        ordering = ["municipality"]

    def __str__(self) -> str:
        return f"{self.municipality_id} @ {self.seq}"


class AuditInstallationHead(_ChainHead):
    """The head of the installation's own chain (entries without a tenant): one row, id 1."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"installation @ {self.seq}"


class DenialWindow(models.Model):
    """Working state, not the log: one user's refused attempts within a minute. The first few
    (`individual`) are entries at once; the others are counted here, and when the minute is
    over the count and the distinct objects and children probed become one entry
    `access.denied_repeated` and the row goes."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    actor_user_id = models.UUIDField()
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    actor_unit_id = models.UUIDField(null=True, blank=True)
    started_at = models.DateTimeField()
    last_at = models.DateTimeField()
    individual = models.PositiveIntegerField(default=1)
    count = models.PositiveIntegerField(default=0)
    objects_probed = models.JSONField(default=list, blank=True)
    child_ids = models.JSONField(default=list, blank=True)
    more_objects = models.BooleanField(default=False)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "actor_user_id"], name="audit_one_denial_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor_username} {self.started_at:%H:%M} +{self.count}"

"""The SIP (samordnad individuell plan, SoL 2025:400 10 kap. 8–9 §§; HSL 16 kap. 4 §): called by
the school or social services for a child, with the participating organisations and a named
person each, read only under a consent for the purpose (R1.5, R2.9, R3.5).

The content lives in numbered versions: goals, interventions (responsible organisation and
person, time), the child's own words, the guardians' view and the next follow-up. An agreed
version is frozen; any change after that makes a new version (docs/sip.md)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samverkan.children.models import ChildRecord
from samverkan.core.models import BaseModel
from samverkan.organisations.models import Unit


class CoordinatedPlan(ChildRecord):
    """One SIP for a child. `owner_unit` is the calling organisation and `domain` its side;
    `consent` is the consent it is read under (purpose coordinated_plan, naming every
    participating organisation), empty until one is linked."""

    reason = models.TextField(_("anledning"), max_length=4000)
    consent = models.ForeignKey(
        "consent.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("samtycke"),
    )
    closed_at = models.DateTimeField(_("avslutad"), null=True, blank=True)
    request_id = models.UUIDField(null=True, blank=True, editable=False)
    # Optimistic lock: every change to the plan or its open version raises it (STYLE: version).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "request_id"],
                condition=Q(request_id__isnull=False),
                name="plan_unique_request_per_user",
            )
        ]
        indexes = [models.Index(fields=["child", "created_at"], name="plan_child_idx")]
        verbose_name = _("SIP")
        verbose_name_plural = _("SIP:ar")

    def __str__(self) -> str:
        return f"SIP {str(self.pk)[:8]}"


class PlanParticipant(BaseModel):
    """A participating organisation and its named person: a user of the platform, or for an
    organisation outside it (the region, the employment service) a name and an e-mail address
    to which invitations go without child data."""

    plan = models.ForeignKey(CoordinatedPlan, on_delete=models.PROTECT, related_name="participants")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("verksamhet")
    )
    person = models.ForeignKey(
        "access.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("namngiven person"),
    )
    person_name = models.CharField(_("namn"), max_length=200, blank=True)
    person_email = models.EmailField(_("e-post"), blank=True)

    class Meta:
        ordering = ["plan", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit"], name="plan_participant_unique_unit"),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(person_name=""),
                name="plan_participant_named",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.person_id is not None and self.person is not None:
            return self.person.get_full_name() or self.person.username
        return self.person_name

    @property
    def is_outside(self) -> bool:
        """Outside participants cannot sign in: they get no child data by e-mail (issue 13)."""
        return self.person_id is None


class PlanVersion(BaseModel):
    """One version of the plan's content. Agreed (agreed_at set) means frozen: the services
    refuse every change and the next edit copies it into version number + 1."""

    plan = models.ForeignKey(CoordinatedPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("huvudansvarig verksamhet"),
    )
    child_words = models.TextField(_("barnets egna ord"), max_length=4000, blank=True)
    guardians_view = models.TextField(_("vårdnadshavarnas syn"), max_length=4000, blank=True)
    next_follow_up_on = models.DateField(_("nästa uppföljning"), null=True, blank=True)
    agreed_at = models.DateTimeField(_("överenskommen"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendees = models.TextField(_("deltog"), max_length=2000, blank=True)
    family_agreed = models.BooleanField(_("familjen är överens"), default=False)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique_number"),
            models.CheckConstraint(
                condition=Q(agreed_at__isnull=True) | Q(family_agreed=True),
                name="plan_version_agreed_with_family",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.number}"

    @property
    def is_agreed(self) -> bool:
        return self.agreed_at is not None


class PlanGoal(BaseModel):
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="goals")
    position = models.PositiveSmallIntegerField()
    text = models.TextField(_("mål"), max_length=2000)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="plan_goal_position")
        ]

    def __str__(self) -> str:
        return self.text[:50]


class PlanIntervention(BaseModel):
    """An intervention (insats) with its responsibility and time (R0.5, R3.5)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="interventions")
    position = models.PositiveSmallIntegerField()
    text = models.TextField(_("insats"), max_length=2000)
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("ansvarig verksamhet")
    )
    responsible_person = models.CharField(_("ansvarig person"), max_length=200)
    start_on = models.DateField(_("från"))
    until_on = models.DateField(_("till och med"))
    follow_up_on = models.DateField(_("uppföljning"))

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="plan_intervention_position"
            ),
            models.CheckConstraint(
                condition=Q(until_on__gte=models.F("start_on")), name="plan_intervention_period"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:50]


class PlanMeeting(BaseModel):
    """A SIP meeting the participants are invited to by e-mail with a calendar file."""

    plan = models.ForeignKey(CoordinatedPlan, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(_("börjar"))
    ends_at = models.DateTimeField(_("slutar"))
    place = models.CharField(_("plats"), max_length=300)
    created_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    request_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["plan", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="plan_meeting_order"
            ),
            models.UniqueConstraint(
                fields=["created_by", "request_id"],
                condition=Q(request_id__isnull=False),
                name="plan_meeting_unique_request",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="plan_meeting_start_idx")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.starts_at:%Y-%m-%d %H:%M}"


class PlanSending(BaseModel):
    """Every sending about a SIP: what was sent to whom and when (issue 13). Written by the
    task that sends, in the same transaction, so a sending is recorded exactly once."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Kallelse")
        REMINDER = "reminder", _("Påminnelse före möte")
        FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Påminnelse om försenad uppföljning")
        DOWNLOAD_LINK = "download_link", _("Länk till planen")

    plan = models.ForeignKey(CoordinatedPlan, on_delete=models.PROTECT, related_name="sendings")
    meeting = models.ForeignKey(
        PlanMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="sendings"
    )
    participant = models.ForeignKey(
        PlanParticipant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("slag"), max_length=20, choices=Kind.choices)
    email = models.EmailField(_("till"))
    # What the message carried: a calendar file, the meeting place, a link (never child data).
    contents = models.JSONField(default=dict)
    # The follow-up date an overdue reminder was about (one reminder per date).
    about_on = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(_("skickat"))

    class Meta:
        ordering = ["plan", "sent_at", "id"]
        indexes = [models.Index(fields=["plan", "kind"], name="plan_sending_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.email}"


class PlanDownload(BaseModel):
    """An expiring, single-use link to the plan's PDF for an outside participant; the code is
    given to them separately (by phone), so the e-mail alone opens nothing."""

    plan = models.ForeignKey(CoordinatedPlan, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(PlanParticipant, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"download {self.pk}"

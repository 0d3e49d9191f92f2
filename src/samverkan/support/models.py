"""Support episodes: a team's time-limited work with a child or a family (R0.1–R0.7, R2.1–R2.6,
R2.10, R1.11). Types are configuration per municipality (DESIGN principle 5); an episode is a
social-services record owned by its team, so the child policies read it like any record."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samverkan.children.models import ChildRecord
from samverkan.consent.models import ConsentPurpose
from samverkan.core.models import BaseModel
from samverkan.organisations.models import Municipality, Unit


class EpisodeType(BaseModel):
    """What a municipality's teams offer: age range, time limit and the professions taking
    part. The seeds' four are created for every municipality (support.types.DEFAULT_TYPES)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("kod"), max_length=40)
    name = models.CharField(_("namn"), max_length=120)
    description = models.TextField(_("beskrivning"), max_length=2000, blank=True)
    age_from = models.PositiveSmallIntegerField(_("ålder från"))
    age_to = models.PositiveSmallIntegerField(_("ålder till och med"))
    # None: no time limit (network work runs as long as the network meets).
    weeks_limit = models.PositiveSmallIntegerField(_("tidsgräns i veckor"), null=True, blank=True)
    professions = models.JSONField(_("yrken som deltar"), default=list)
    # The purpose whose consent the episode starts with (SoL 21 kap. 1–2 §§; R2.6 for mandate).
    consent_purpose = models.CharField(
        _("samtycke som behövs"),
        max_length=30,
        choices=ConsentPurpose.choices,
        default=ConsentPurpose.SUPPORT_SERVICE,
    )
    # Family coordination is not means-tested (R2.3): no decision, but consent.
    is_means_tested = models.BooleanField(_("biståndsprövad"), default=False)
    is_family_work = models.BooleanField(_("arbete med hela familjen"), default=False)
    is_active = models.BooleanField(_("används"), default=True)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="episode_type_code"),
            models.CheckConstraint(
                condition=Q(age_to__gte=models.F("age_from")), name="episode_type_age_order"
            ),
        ]
        verbose_name = _("insatstyp")
        verbose_name_plural = _("insatstyper")

    def __str__(self) -> str:
        return self.name


class Episode(ChildRecord):
    """One episode of support: subject, team, members, dates, status and ending. `child` is the
    child the episode is about (for a family, the child it started from); every child and adult
    of a family episode is listed in EpisodeSubject."""

    class SubjectKind(models.TextChoices):
        CHILD = "child", _("Ett barn")
        FAMILY = "family", _("En familj")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Förfrågan")
        DECLINED = "declined", _("Avböjd")
        ACCEPTED = "accepted", _("Antagen, inte startad")
        ACTIVE = "active", _("Pågår")
        ENDED = "ended", _("Avslutad")

    class Source(models.TextChoices):
        INTAKE_HANDOVER = "intake_handover", _("Överlämning från mottagningen")
        SUPPORT_REQUEST = "support_request", _("Begäran om stöd")
        PRINCIPAL_CONTACT = "principal_contact", _("Rektors kontakt med teamet")

    class EndReason(models.TextChoices):
        GOALS_REACHED = "goals_reached", _("Målen är nådda")
        TIME_LIMIT = "time_limit", _("Tidsgränsen är nådd")
        FAMILY_ENDED = "family_ended", _("Familjen avslutade")
        MOVED = "moved", _("Familjen har flyttat")
        OTHER_SUPPORT = "other_support", _("Annat stöd tar över")
        OTHER = "other", _("Annat skäl")

    OPEN_STATUSES = (Status.REQUESTED, Status.ACCEPTED, Status.ACTIVE)

    episode_type = models.ForeignKey(
        EpisodeType, on_delete=models.PROTECT, related_name="+", verbose_name=_("insatstyp")
    )
    subject_kind = models.CharField(
        _("gäller"), max_length=10, choices=SubjectKind.choices, default=SubjectKind.CHILD
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    source = models.CharField(_("kom in som"), max_length=20, choices=Source.choices)
    intake_item = models.OneToOneField(
        "intake.IntakeItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episode",
    )
    # The school that referred: told when the episode ends, without content (issue 12, 7).
    referring_school = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request_note = models.TextField(_("förfrågan"), max_length=5000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("skäl att avböja"), max_length=2000, blank=True)
    # An age outside the type's range is allowed only with a written reason.
    age_reason = models.TextField(_("skäl till avvikande ålder"), max_length=2000, blank=True)
    started_on = models.DateField(_("startdatum"), null=True, blank=True)
    planned_end_on = models.DateField(_("planerat slut"), null=True, blank=True)
    ended_on = models.DateField(_("avslutad"), null=True, blank=True)
    end_reason = models.CharField(
        _("skäl att avsluta"), max_length=20, choices=EndReason.choices, blank=True
    )
    service_consent = models.ForeignKey(
        "consent.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request_id = models.UUIDField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "request_id"],
                condition=Q(request_id__isnull=False),
                name="episode_unique_request_per_user",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(planned_end_on__gte=models.F("started_on")),
                name="episode_planned_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_unit", "status"], name="episode_team_status_idx"),
            models.Index(fields=["child", "status"], name="episode_child_status_idx"),
        ]
        verbose_name = _("insats")
        verbose_name_plural = _("insatser")

    def __str__(self) -> str:
        return f"{self.episode_type_id} {self.get_status_display()}"


class EpisodeSubject(BaseModel):
    """A child or adult the episode is about. A child episode lists its child; a family
    episode every child and adult of the family, each adult consenting for their own part."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="subjects")
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adult = models.ForeignKey(
        "children.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["episode", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(child__isnull=False, adult__isnull=True)
                | Q(child__isnull=True, adult__isnull=False),
                name="episode_subject_child_or_adult",
            ),
            models.UniqueConstraint(
                fields=["episode", "child"],
                condition=Q(child__isnull=False),
                name="episode_subject_child_once",
            ),
            models.UniqueConstraint(
                fields=["episode", "adult"],
                condition=Q(adult__isnull=False),
                name="episode_subject_adult_once",
            ),
        ]
        indexes = [models.Index(fields=["child", "episode"], name="episode_subject_child_idx")]

    def __str__(self) -> str:
        return f"{self.episode_id}: {self.child_id or self.adult_id}"


class EpisodeMember(BaseModel):
    """A team member assigned to the episode, with their profession and organisation (R0.5,
    R0.6: teachers own the school goals, social workers the treatment)."""

    class Organisation(models.TextChoices):
        SOCIAL_SERVICES = "social_services", _("Socialtjänsten")
        EDUCATION = "education", _("Utbildningsförvaltningen")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("yrke"), max_length=40)
    organisation = models.CharField(_("organisation"), max_length=20, choices=Organisation.choices)
    is_lead = models.BooleanField(_("huvudansvarig"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["episode", "-is_lead", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "user"],
                condition=Q(ended_at__isnull=True),
                name="episode_member_once",
            )
        ]
        indexes = [models.Index(fields=["user", "ended_at"], name="episode_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.role})"


class EpisodeOutcome(BaseModel):
    """Outcomes at start and end (R2.10): eligibility for a national upper-secondary programme,
    attendance, the family's own rating of structure and control, the adults' work or study,
    goals reached. Recorded once per phase; a correction bumps the version."""

    class Phase(models.TextChoices):
        START = "start", _("Vid start")
        END = "end", _("Vid avslut")

    class TriState(models.TextChoices):
        YES = "yes", _("Ja")
        PARTLY = "partly", _("Delvis")
        NO = "no", _("Nej")
        UNKNOWN = "unknown", _("Vet inte / ej aktuellt")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="outcomes")
    phase = models.CharField(_("tillfälle"), max_length=10, choices=Phase.choices)
    eligible_upper_secondary = models.CharField(
        _("behörig till nationellt program"),
        max_length=10,
        choices=TriState.choices,
        default=TriState.UNKNOWN,
    )
    attendance_percent = models.PositiveSmallIntegerField(_("närvaro i procent"), null=True)
    # The family's own rating, 1 (none) to 5 (full structure and control), on paper or on screen.
    family_rating = models.PositiveSmallIntegerField(
        _("familjens skattning av struktur och kontroll"), null=True
    )
    adults_work_or_study = models.CharField(
        _("vuxna i arbete eller studier"),
        max_length=10,
        choices=TriState.choices,
        default=TriState.UNKNOWN,
    )
    goals_reached = models.CharField(
        _("mål uppnådda"), max_length=10, choices=TriState.choices, default=TriState.UNKNOWN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["episode", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "phase"], name="episode_outcome_once"),
            models.CheckConstraint(
                condition=Q(attendance_percent__isnull=True) | Q(attendance_percent__lte=100),
                name="episode_outcome_attendance_range",
            ),
            models.CheckConstraint(
                condition=Q(family_rating__isnull=True)
                | Q(family_rating__gte=1, family_rating__lte=5),
                name="episode_outcome_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} {self.phase}"

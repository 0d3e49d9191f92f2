"""One way in (R1.2–R1.4, R2.8, R4.3): consultations, reports of concern and support requests
from schools, the routing rules that choose the receiving unit, and intake's handling of each
item within the deadlines of SoL 2025:400 (19 kap. 1, 5, 6 §§; 20 kap. 1–2 §§)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samverkan.children.models import Child, ChildRecord
from samverkan.core.models import BaseModel
from samverkan.organisations.models import Municipality, ResidentialArea, Unit


class AgeGroup(models.TextChoices):
    """Age groups an anonymous consultation names instead of the child (no identity stored)."""

    PRESCHOOL = "0-5", _("0–5 år (förskola)")
    YOUNG = "6-9", _("6–9 år")
    MIDDLE = "10-12", _("10–12 år")
    TEEN = "13-15", _("13–15 år")
    OLDER = "16-20", _("16–20 år")


class ItemKind(models.TextChoices):
    CONSULTATION = "consultation", _("Anonym konsultation")
    REPORT = "report", _("Orosanmälan")
    SUPPORT_REQUEST = "support_request", _("Begäran om stöd")


class TriState(models.TextChoices):
    YES = "yes", _("Ja")
    NO = "no", _("Nej")
    UNKNOWN = "unknown", _("Vet inte")


class RoutingRule(BaseModel):
    """One rule of a municipality's routing (R1.4): items matching every condition set go to
    `target_unit`. Rules are tried by `position`; the first match wins; none: the default."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("namn"), max_length=120)
    position = models.PositiveIntegerField(_("ordning"), default=100)
    kinds = models.JSONField(_("gäller för"), default=list, blank=True)  # empty: every kind
    age_from = models.PositiveSmallIntegerField(_("från ålder"), null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(_("till och med ålder"), null=True, blank=True)
    school = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skola"),
    )
    residential_area = models.ForeignKey(
        ResidentialArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bostadsområde"),
    )
    target_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("mottagande enhet")
    )
    is_active = models.BooleanField(_("aktiv"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["municipality", "position", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_from__isnull=True)
                | Q(age_to__isnull=True)
                | Q(age_to__gte=models.F("age_from")),
                name="routing_age_range",
            )
        ]
        verbose_name = _("fördelningsregel")
        verbose_name_plural = _("fördelningsregler")

    def __str__(self) -> str:
        return self.name


class RoutingSettings(BaseModel):
    """The municipality's default receiving unit when no rule matches."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.PROTECT, related_name="routing_settings"
    )
    default_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("standardmottagning")
    )
    version = models.PositiveIntegerField(default=1)


class ReferenceCounter(BaseModel):
    """The per-municipality, per-year sequence behind reference numbers (ANM-2026-000042)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    prefix = models.CharField(max_length=8)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "prefix"], name="reference_counter_unique"
            )
        ]


class Consultation(BaseModel):
    """An anonymous consultation (R1.2): a school asks social services about a situation
    without naming the child. No identity of the child is ever stored here."""

    class Status(models.TextChoices):
        OPEN = "open", _("Väntar på svar")
        ANSWERED = "answered", _("Besvarad")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("diarienummer"), max_length=20)
    school = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    age_group = models.CharField(_("barnets åldersgrupp"), max_length=10, choices=AgeGroup.choices)
    question = models.TextField(_("fråga"), max_length=5000)
    routed_to = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    routed_by_rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    routing_reason = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("svar"), max_length=5000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    request_id = models.UUIDField(null=True, blank=True, editable=False)
    # Intake asked the asker to make a report instead (the question points at a child at risk).
    report_asked_at = models.DateTimeField(null=True, blank=True)
    report_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report_asked_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asked_by", "request_id"],
                condition=Q(request_id__isnull=False),
                name="consultation_unique_request",
            ),
            models.UniqueConstraint(
                fields=["municipality", "reference"], name="consultation_unique_reference"
            ),
        ]
        indexes = [
            models.Index(fields=["routed_to", "status", "created_at"], name="consultation_queue"),
            models.Index(fields=["school", "created_at"], name="consultation_school"),
        ]
        verbose_name = _("konsultation")
        verbose_name_plural = _("konsultationer")

    def __str__(self) -> str:
        return self.reference


MASK = "[maskerat]"


class ConsultationRedaction(BaseModel):
    """A passage intake masked in a received consultation (issue #14): the question keeps
    MASK in its place, so no view, export or API answer shows it. The original passage is
    kept here, never shown by any view or API, for as long as the municipality's records plan
    requires (it is removed with the consultation); the asker sees that a passage was masked, when and why."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="redactions"
    )
    reason = models.CharField(_("skäl"), max_length=500)
    masked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    original = models.TextField(max_length=5000, editable=False)

    class Meta:
        ordering = ["created_at", "id"]


class ChildSource(models.TextChoices):
    """How the sender named the child (issue #14): a child at the sender's school, a child of
    the municipality's register found by full identity number, or a child not in the register."""

    SCHOOL = "school", _("Barn på avsändarens skola")
    REGISTER = "register", _("Barn i kommunens register")
    PROVISIONAL = "provisional", _("Barnet finns inte i registret")


class IntakeItem(ChildRecord):
    """A report of concern or a support request about an identified child, received by a
    social-services unit (the owner). It lives in the social-services domain; the school that
    sent it sees its own submission and, for a reporter who asked, the outcome (SoL 19 kap. 6 §).

    The submission is never edited (documentation duty): supplements are added. Each handling
    step is set once by the services, with who and when."""

    class Status(models.TextChoices):
        NEW = "new", _("Ny")
        IN_PROGRESS = "in_progress", _("Under handläggning")
        DECIDED = "decided", _("Beslutad")
        HANDED_OVER = "handed_over", _("Överlämnad till team")
        CLOSED = "closed", _("Avslutad")

    class Decision(models.TextChoices):
        OPENED = "opened", _("Utredning inleds")
        NOT_OPENED = "not_opened", _("Utredning inleds inte")
        ALREADY_ONGOING = "already_ongoing", _("Utredning pågår redan")

    kind = models.CharField(_("typ"), max_length=20, choices=ItemKind.choices)
    reference = models.CharField(_("diarienummer"), max_length=20)
    school = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("skola")
    )
    received_at = models.DateTimeField(_("mottagen"))
    # What the reporter wrote, in their own words (19 kap. 1 §).
    observed = models.TextField(_("vad som har setts eller hörts"), max_length=10000, blank=True)
    situation = models.TextField(_("barnets situation nu"), max_length=10000, blank=True)
    needs_protection_now = models.CharField(
        _("kan barnet behöva skydd nu"), max_length=10, choices=TriState.choices, blank=True
    )
    guardians_informed = models.CharField(
        _("känner vårdnadshavarna till anmälan"), max_length=10, choices=TriState.choices
    )
    support_wished = models.TextField(_("önskat stöd"), max_length=10000, blank=True)
    consent = models.ForeignKey(
        "consent.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consultation = models.OneToOneField(
        Consultation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="converted_to",
    )
    reporter_phone = models.CharField(_("telefon till anmälaren"), max_length=40, blank=True)
    # Feedback to the reporter (19 kap. 6 §): asked for at submission (default) or later.
    feedback_requested_at = models.DateTimeField(null=True, blank=True)
    feedback_given_at = models.DateTimeField(null=True, blank=True)
    feedback_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    routed_by_rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    routing_reason = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    # Immediate protection assessment (20 kap. 1 §).
    protection_assessed_at = models.DateTimeField(null=True, blank=True)
    protection_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    protection_needed = models.BooleanField(null=True, blank=True)
    protection_assessment = models.TextField(max_length=10000, blank=True)

    # Initial assessment decision (20 kap. 2 §): 14 days, extended only with a reason.
    decision_due = models.DateField(null=True, blank=True)
    extended_due = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(max_length=5000, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(max_length=10000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # A meeting offered to the child, the guardians and the reporter (19 kap. 5 §).
    meeting_offered_at = models.DateTimeField(null=True, blank=True)
    meeting_with = models.JSONField(default=list, blank=True)
    meeting_note = models.TextField(max_length=5000, blank=True)

    # Hand-over of a support request to a team (R2.8).
    handed_over_to = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handover_note = models.TextField(max_length=5000, blank=True)

    # How the sender named the child, and what the school side may be shown of it: only what
    # was sent (a provisional child's description, a register child's name; for a protected
    # child nothing), never what intake later links it to.
    child_source = models.CharField(
        max_length=20, choices=ChildSource.choices, default=ChildSource.SCHOOL
    )
    child_as_sent = models.CharField(max_length=300, blank=True)
    provisional_known = models.TextField(
        _("det som är känt om barnet"), max_length=5000, blank=True
    )
    # The provisional child the item was sent about, kept after intake links it to a register
    # entry (then `child` is the register child) or keeps it as not registered.
    provisional_child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child_resolved_at = models.DateTimeField(null=True, blank=True)
    child_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    request_id = models.UUIDField(null=True, blank=True, editable=False)
    # The same sender's same words about the same child within a day, sent anyway after the
    # warning (the reporting duty is never blocked): intake sees it flagged (issue #11).
    likely_duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    # Kept by save(): the item still needs intake's action (see needs_action). Stored so the
    # queue of a unit with tens of thousands of items is one indexed range, not a scan.
    is_open = models.BooleanField(default=True, editable=False)
    # Kept by save(), the queue's first sort key: 0 a report saying the child may need
    # protection now and not yet assessed, 1 another unassessed report, 2 the rest.
    urgency = models.PositiveSmallIntegerField(default=2, editable=False)

    class Meta:
        ordering = ["-received_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "request_id"],
                condition=Q(request_id__isnull=False),
                name="intake_item_unique_request",
            ),
            models.UniqueConstraint(
                fields=["municipality", "reference"], name="intake_item_unique_reference"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_unit", "status", "received_at"], name="intake_queue"),
            models.Index(
                fields=["owner_unit", "is_open", "urgency", "received_at"], name="intake_open"
            ),
            models.Index(fields=["school", "received_at"], name="intake_school"),
            models.Index(fields=["created_by", "received_at"], name="intake_reporter"),
            models.Index(fields=["child", "received_at"], name="intake_child"),
        ]
        verbose_name = _("inkommet ärende")
        verbose_name_plural = _("inkomna ärenden")

    def __str__(self) -> str:
        return self.reference

    @property
    def wants_feedback(self) -> bool:
        return self.feedback_requested_at is not None

    @property
    def child_unresolved(self) -> bool:
        """Sent about a child not in the register, and intake has not yet linked or kept it."""
        return self.child_source == ChildSource.PROVISIONAL and self.child_resolved_at is None

    def needs_action(self) -> bool:
        """Open: not yet decided or handed over, or decided with the feedback the reporter asked
        for still owed (SoL 19 kap. 6 §)."""
        if self.status in (self.Status.NEW, self.Status.IN_PROGRESS):
            return True
        return (
            self.status == self.Status.DECIDED
            and self.feedback_requested_at is not None
            and self.feedback_given_at is None
        )

    def queue_urgency(self) -> int:
        if self.kind == ItemKind.REPORT and self.protection_assessed_at is None:
            return 0 if self.needs_protection_now == TriState.YES else 1
        return 2

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.is_open = self.needs_action()
        self.urgency = self.queue_urgency()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "is_open", "urgency"}
        super().save(*args, **kwargs)


class Supplement(BaseModel):
    """An addition to a report or request after submission; the original is never changed."""

    item = models.ForeignKey(IntakeItem, on_delete=models.PROTECT, related_name="supplements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("komplettering"), max_length=10000)
    request_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "request_id"],
                condition=Q(request_id__isnull=False),
                name="supplement_unique_request",
            )
        ]


class IntakeNote(BaseModel):
    """Intake's working note on an item (social-services domain, never shown to the school)."""

    item = models.ForeignKey(IntakeItem, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("anteckning"), max_length=10000)
    request_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "request_id"],
                condition=Q(request_id__isnull=False),
                name="intake_note_unique_request",
            )
        ]


class TeamProfile(BaseModel):
    """What a team takes on (R2.1, R0.2: the target range is configuration): shown at hand-over."""

    team = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="team_profile")
    criteria = models.TextField(_("teamets kriterier"), max_length=5000)
    age_from = models.PositiveSmallIntegerField(null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(null=True, blank=True)


class TeamSchoolContact(BaseModel):
    """The team member responsible for a school (R2.8): the principal contacts them and they
    contact the principal."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "school"], name="team_school_contact_unique")
        ]


class Reminder(BaseModel):
    """A reminder sent once per item, kind and day: the reminder job is safe to run again."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    object_id = models.UUIDField()
    kind = models.CharField(max_length=40)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object_id", "kind", "day"], name="reminder_once")
        ]

"""Consent: who agreed that which units may exchange which information about a child, for what
purpose and period (OSL 12 kap. 2–3 §§; SoL 21 kap. 1–2 §§; FB 6 kap. 11, 13 §§; R3.4)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samverkan.core.models import BaseModel, SecrecyDomain
from samverkan.organisations.models import Municipality, Unit


class ConsentPurpose(models.TextChoices):
    INFORMATION_EXCHANGE = (
        "information_exchange",
        _("Informationsutbyte mellan skola och socialtjänst"),
    )
    COORDINATED_PLAN = "coordinated_plan", _("Samordnad individuell plan (SIP)")
    SUPPORT_REQUEST = "support_request", _("Begäran om stöd")
    # Consent to a team's support episode itself (SoL 21 kap. 1–2 §§): every episode starts
    # with it; a family's adults consent each for their own part (ConsentParty.Kind.ADULT).
    SUPPORT_SERVICE = "support_service", _("Stöd från team (insats)")
    # Family coordination works on the family's own mandate and may speak for the family with
    # other organisations (R2.6): a purpose of its own, never implied by the service consent.
    FAMILY_MANDATE = "family_mandate", _("Familjeombudets mandat att företräda familjen")


class ConsentDirection(models.TextChoices):
    BOTH = "both", _("Åt båda hållen")
    SCHOOL_TO_SOCIAL_SERVICES = "school_to_social_services", _("Från skolan till socialtjänsten")
    SOCIAL_SERVICES_TO_SCHOOL = "social_services_to_school", _("Från socialtjänsten till skolan")


class ConsentForm(models.TextChoices):
    WRITTEN = "written", _("Skriftligt")
    DIGITAL = "digital", _("Digitalt")
    ORAL = "oral", _("Muntligt")


class EvidenceKind(models.TextChoices):
    """What proves that the family said what is recorded: a scan of the signed form, or for an
    oral consent who received it, when and how (issue "the holder discloses")."""

    SIGNED_FORM = "signed_form", _("Underskriven blankett (inskannad)")
    ORAL = "oral", _("Muntligt samtycke")


class Consent(BaseModel):
    """One consent: its scope (units, direction, categories), purpose and period. Whether it is
    in force follows from its parties (consent.rules), never from a stored flag, so a withdrawal
    or the end date takes effect on the next request."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("ändamål"), max_length=30, choices=ConsentPurpose.choices)
    purpose_text = models.CharField(_("syfte i klartext"), max_length=500)
    units = models.ManyToManyField(Unit, related_name="+", verbose_name=_("verksamheter"))
    categories = models.JSONField(_("uppgifter som får lämnas"), default=list)
    direction = models.CharField(
        _("riktning"),
        max_length=30,
        choices=ConsentDirection.choices,
        default=ConsentDirection.BOTH,
    )
    # Consent given for one school does not follow the child to another unless it says so.
    follows_child = models.BooleanField(_("gäller även barnets nya skola"), default=False)
    valid_from = models.DateField(_("gäller från"))
    valid_to = models.DateField(_("gäller till och med"))
    evidence = models.FileField(_("underlag"), upload_to="consent/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("registrerat av")
    )
    request_id = models.UUIDField(null=True, blank=True, editable=False)
    # Set once by the expiry job when the end date has passed, so expiry is audited exactly once.
    expiry_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-valid_to", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")), name="consent_period_order"
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "request_id"],
                condition=Q(request_id__isnull=False),
                name="consent_unique_request_per_user",
            ),
        ]
        indexes = [models.Index(fields=["child", "valid_to"], name="consent_child_idx")]
        verbose_name = _("samtycke")
        verbose_name_plural = _("samtycken")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.valid_from}–{self.valid_to}"


class ConsentParty(BaseModel):
    """One party's answer: each guardian separately, and the child, whose own view is recorded
    whatever its age. Withdrawal by any party who gave it takes effect at once."""

    class Kind(models.TextChoices):
        GUARDIAN = "guardian", _("Vårdnadshavare")
        CHILD = "child", _("Barnet")
        # An adult of a family episode consenting for their own part (issue 12): not a decision
        # about the child, so the rules for the child's consent do not count it.
        ADULT = "adult", _("Vuxen i familjen, för egen del")

    class Answer(models.TextChoices):
        GIVEN = "given", _("Samtycker")
        REFUSED = "refused", _("Samtycker inte")
        HEARD = "heard", _("Har fått säga sin mening")

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="parties")
    kind = models.CharField(_("part"), max_length=10, choices=Kind.choices)
    guardian = models.ForeignKey(
        "children.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.CharField(_("svar"), max_length=10, choices=Answer.choices)
    view = models.TextField(_("egen synpunkt"), max_length=2000, blank=True)
    form = models.CharField(_("form"), max_length=10, choices=ConsentForm.choices)
    # An oral consent names who heard it (the recorder is the signed-in user).
    oral_received_by = models.CharField(_("muntligt mottaget av"), max_length=200, blank=True)
    given_on = models.DateField(_("datum"))
    withdrawn_at = models.DateTimeField(_("återkallat"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("skäl"), max_length=500, blank=True)
    withdrawn_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who told us of the withdrawal and how (the staff member who recorded it is withdrawn_by).
    withdrawal_reported_by = models.CharField(_("återkallat av"), max_length=200, blank=True)
    withdrawal_form = models.CharField(
        _("hur återkallelsen lämnades"), max_length=10, choices=ConsentForm.choices, blank=True
    )
    # An adult's consent for their own part (Kind.ADULT) carries its own evidence, as every act
    # that opens information does: the scan of the signed form, or for an oral answer who
    # received it (oral_received_by), when (given_on) and how.
    evidence = models.FileField(_("inskannad blankett"), upload_to="consent/%Y/", blank=True)
    oral_how = models.CharField(_("hur det lämnades"), max_length=200, blank=True)

    class Meta:
        ordering = ["consent", "kind", "created_at"]
        constraints = [
            # A guardian answers once for the child and once for their own part (Kind.ADULT).
            models.UniqueConstraint(
                fields=["consent", "kind", "guardian"],
                condition=Q(guardian__isnull=False),
                name="consent_party_one_per_guardian",
            ),
            models.UniqueConstraint(
                fields=["consent"], condition=Q(kind="child"), name="consent_party_one_child"
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=("guardian", "adult")) & Q(guardian__isnull=False))
                | (Q(kind="child") & Q(guardian__isnull=True)),
                name="consent_party_kind_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_answer_display()}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ConsentRule(BaseModel):
    """Whose consent a purpose needs at an age, per municipality (DESIGN principle 5). Without
    a row the law's defaults in consent.rules.DEFAULT_RULES apply."""

    class Guardians(models.TextChoices):
        ALL_WITH_CUSTODY = "all_with_custody", _("Alla vårdnadshavare med vårdnad")
        NOT_NEEDED_IF_CHILD_CONSENTS = "not_if_child", _("Inte om barnet självt samtycker")

    class ChildPart(models.TextChoices):
        HEARD = "heard", _("Barnet ska höras")
        CONSENT = "consent", _("Barnets samtycke krävs")
        CONSENT_SUFFICES = "suffices", _("Barnets samtycke räcker")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    age_from = models.PositiveSmallIntegerField()
    age_to = models.PositiveSmallIntegerField()
    guardians = models.CharField(max_length=20, choices=Guardians.choices)
    child = models.CharField(max_length=10, choices=ChildPart.choices)

    class Meta:
        ordering = ["municipality", "purpose", "age_from"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.age_from}–{self.age_to}"


class ConsentRecipient(BaseModel):
    """One role at one unit that may read what the consent opens (DESIGN principle 8): a
    consent names roles at units, not whole units, so a teacher reads only when ticked."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="recipients")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("roll"), max_length=40)

    class Meta:
        ordering = ["consent", "unit", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "unit", "role"], name="consent_recipient_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}@{self.unit_id}"


class ConsentConfirmation(BaseModel):
    """The side that holds the information confirms the consent (OSL 12 kap. 2 §; the holder
    discloses): information flows *from* a side only once someone of that side has recorded or
    confirmed the consent, with evidence."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="confirmations")
    side = models.CharField(_("sida"), max_length=20, choices=SecrecyDomain.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("bekräftat"))
    evidence_kind = models.CharField(_("underlag"), max_length=20, choices=EvidenceKind.choices)
    evidence = models.FileField(_("inskannad blankett"), upload_to="consent/%Y/", blank=True)
    oral_received_by = models.CharField(_("muntligt mottaget av"), max_length=200, blank=True)
    oral_received_on = models.DateField(_("muntligt mottaget den"), null=True, blank=True)
    oral_how = models.CharField(_("hur det lämnades"), max_length=200, blank=True)
    # Set by the data migration for consents recorded before confirmation existed.
    is_migrated = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["consent", "side"]
        constraints = [
            models.UniqueConstraint(fields=["consent", "side"], name="consent_confirmation_once")
        ]

    def __str__(self) -> str:
        return f"{self.side}: {self.confirmed_at:%Y-%m-%d}"


class RecordRelease(BaseModel):
    """A health-care record of student health released to a consent's recipients by its author
    or a colleague of the same profession at that school (Patient Data Act; OSL 25 kap.):
    records under PDL never cross by a consent alone. One record, or a period of them."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="releases")
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="+")
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(
        "children.Note", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_from = models.DateField(_("från"), null=True, blank=True)
    period_to = models.DateField(_("till och med"), null=True, blank=True)
    released_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("återtaget"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(note__isnull=False, period_from__isnull=True, period_to__isnull=True)
                    | Q(note__isnull=True, period_from__isnull=False, period_to__isnull=False)
                ),
                name="release_note_or_period",
            ),
            models.CheckConstraint(
                condition=Q(period_to__isnull=True) | Q(period_to__gte=models.F("period_from")),
                name="release_period_order",
            ),
        ]
        indexes = [models.Index(fields=["child", "revoked_at"], name="release_child_idx")]

    def __str__(self) -> str:
        return f"release {self.pk}"

"""Children, guardians, enrolments, and the shared base of every record about a child."""

from typing import TYPE_CHECKING, Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.core.models import BaseModel, RecordCategory, SecrecyDomain
from samverkan.organisations.models import SCHOOL_TYPE_CHOICES, Municipality, Unit

from .identity import mask_identity_number
from .search import SEARCH_TEXT_LENGTH, SORT_KEY_LENGTH, search_fields

if TYPE_CHECKING:
    from samverkan.consent.rules import ActiveConsent


class Gender(models.TextChoices):
    """Gender for statistics only (R1.9)."""

    FEMALE = "female", _("Flicka")
    MALE = "male", _("Pojke")
    OTHER_UNKNOWN = "other_unknown", _("Annat/okänt")


class ProtectionMarking(models.TextChoices):
    """SS 12000 `securityMarking` (Code_SecurityMarking): Ingen, Sekretessmarkering,
    Skyddad folkbokföring. A marked child's address and guardians' contacts are never shown."""

    NONE = "none", _("Ingen")
    CONFIDENTIALITY_MARKING = "sekretessmarkering", _("Sekretessmarkering")
    PROTECTED_REGISTRATION = "skyddad_folkbokforing", _("Skyddad folkbokföring")


class ChildQuerySet(models.QuerySet["Child"]):
    """Bulk writes keep the derived search columns in step, as `Child.save` does."""

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list["Child"]:
        objs = list(objs)
        for child in objs:
            child.fill_search_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields and {"given_name", "family_name"} & set(update_fields):
            kwargs["update_fields"] = [*update_fields, "search_name", "sort_key"]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        fields = list(fields)
        if {"given_name", "family_name"} & set(fields):
            for child in objs:
                child.fill_search_fields()
            fields = [*fields, "search_name", "sort_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        if {"given_name", "family_name"} & set(kwargs) and not {"search_name", "sort_key"} <= set(
            kwargs
        ):
            # One UPDATE cannot compute the folded text and the sort key per row.
            raise TypeError("change a child's names with save() or bulk_update()")
        return super().update(**kwargs)


class Child(BaseModel):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    identity_number = models.CharField(_("personnummer"), max_length=12)
    given_name = models.CharField(_("förnamn"), max_length=100)
    family_name = models.CharField(_("efternamn"), max_length=100)
    # Derived from the names in Python on every write path (children.search, ADR 0004): the
    # folded text each search word must occur in (indexed by trigrams), and the Swedish sort key.
    search_name = models.CharField(max_length=SEARCH_TEXT_LENGTH, editable=False)
    sort_key = models.CharField(max_length=SORT_KEY_LENGTH, editable=False, default="")
    birth_date = models.DateField(_("födelsedatum"))
    gender = models.CharField(_("kön"), max_length=20, choices=Gender.choices)
    protection_marking = models.CharField(
        _("skyddade personuppgifter"),
        max_length=30,
        choices=ProtectionMarking.choices,
        default=ProtectionMarking.NONE,
    )
    is_in_foster_care = models.BooleanField(_("placerad i familjehem"), default=False)  # R1.11
    street_address = models.CharField(_("adress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=10, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    # A child reported but not found in the register (issue #14): described by the reporter,
    # without an identity number, seen by intake, which links the report to a register entry
    # or keeps it as not registered. Never enrolled, so no school sees it.
    is_provisional = models.BooleanField(_("finns inte i registret"), default=False)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "identity_number"],
                condition=Q(is_provisional=False),
                name="child_unique_identity",
            )
        ]
        indexes = [
            models.Index(
                fields=["municipality", "family_name", "given_name"], name="child_name_idx"
            ),
        ]
        verbose_name = _("barn")
        verbose_name_plural = _("barn")

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    objects = ChildQuerySet.as_manager()

    def save(self, *args: object, **kwargs: object) -> None:
        self.fill_search_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"given_name", "family_name"} & set(update_fields):  # type: ignore[call-overload]
            kwargs["update_fields"] = {*update_fields, "search_name", "sort_key"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def fill_search_fields(self) -> None:
        for name, value in search_fields(self.given_name, self.family_name).items():
            setattr(self, name, value)

    @property
    def is_protected(self) -> bool:
        return self.protection_marking != ProtectionMarking.NONE

    @property
    def masked_identity_number(self) -> str:
        if not self.identity_number:  # a provisional child (is_provisional) has none
            return str(_("inget personnummer"))
        return mask_identity_number(self.identity_number)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Guardian(BaseModel):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    identity_number = models.CharField(_("personnummer"), max_length=12, blank=True)
    given_name = models.CharField(_("förnamn"), max_length=100)
    family_name = models.CharField(_("efternamn"), max_length=100)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    street_address = models.CharField(_("adress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=10, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name = _("vårdnadshavare")
        verbose_name_plural = _("vårdnadshavare")

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Guardianship(BaseModel):
    """A guardian's relation to a child; `has_custody` decides whose consent counts."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="guardianships")
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="guardianships")
    has_custody = models.BooleanField(_("har vårdnad"), default=True)

    class Meta:
        ordering = ["child", "guardian"]
        constraints = [
            models.UniqueConstraint(fields=["child", "guardian"], name="guardianship_unique")
        ]


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def current(self) -> "EnrolmentQuerySet":
        today = timezone.localdate()
        return self.filter(
            Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        )


class Enrolment(BaseModel):
    """The child's placement at a school or preschool, in a school type and grade, for a period."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="enrolments")
    school = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="enrolments")
    school_type = models.CharField(_("skolform"), max_length=10, choices=SCHOOL_TYPE_CHOICES)
    grade = models.SmallIntegerField(_("årskurs"), null=True, blank=True)
    valid_from = models.DateField(_("från"))
    valid_to = models.DateField(_("till"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["child", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="enrolment_valid_to_after_from",
            )
        ]
        indexes = [
            models.Index(fields=["school", "valid_to", "child"], name="enrolment_school_idx"),
            models.Index(fields=["child", "valid_from"], name="enrolment_child_idx"),
            # Covers "is this child enrolled at these schools today" (children_visible_to) so a
            # school's search answers it from the index alone, without reading the rows.
            models.Index(
                fields=["school", "child", "valid_from", "valid_to"],
                name="enrolment_school_child_idx",
            ),
        ]

    @property
    def grade_display(self) -> str:
        return grade_display(self.grade)


def grade_display(grade: int | None) -> str:
    """A grade as pages print it: "F" for the preschool class, nothing when there is none."""
    if grade is None:
        return ""
    return "F" if grade == 0 else str(grade)


class ChildRecord(BaseModel):
    """Shared base of every record about a child (ROADMAP): the tenant, the child, the secrecy
    domain, the category consent scopes name, and the unit that owns it."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    domain = models.CharField(_("sekretessområde"), max_length=20, choices=SecrecyDomain.choices)
    category = models.CharField(_("kategori"), max_length=30, choices=RecordCategory.choices)
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class Note(ChildRecord):
    """A dated journal note about a child, owned by a unit in one secrecy domain. Notes are
    never edited or deleted, only added to (documentation duty)."""

    title = models.CharField(_("rubrik"), max_length=200)
    body = models.TextField(
        _("anteckning"), max_length=10000, validators=[MaxLengthValidator(10000)]
    )
    # Client-generated id of the submitting form: a repeat by the same user returns the first note.
    request_id = models.UUIDField(null=True, blank=True, editable=False)

    # Set by the overview selector, never stored: the consent a note is read under, if any.
    shared_under: "ActiveConsent | None" = None

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "request_id"],
                condition=Q(request_id__isnull=False),
                name="note_unique_request_per_user",
            )
        ]
        indexes = [models.Index(fields=["child", "domain", "created_at"], name="note_child_idx")]
        verbose_name = _("anteckning")
        verbose_name_plural = _("anteckningar")

    def __str__(self) -> str:
        return self.title

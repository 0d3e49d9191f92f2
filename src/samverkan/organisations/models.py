"""Municipalities (tenants), residential areas and the tree of units with its history."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.core.models import BaseModel, SecrecyDomain

# SS 12000 Code_SchoolType (specs/ss12000/openapi-expose.yml, SchoolTypesEnum).
SS12000_SCHOOL_TYPES: dict[str, str] = {
    "FS": "Förskola",
    "FKLASS": "Förskoleklass",
    "FTH": "Fritidshem",
    "OPPFTH": "Öppen fritidsverksamhet",
    "GR": "Grundskola",
    "GRS": "Anpassad grundskola",
    "TR": "Träningsskola",
    "SP": "Specialskola",
    "SAM": "Sameskola",
    "GY": "Gymnasieskola",
    "GYS": "Anpassad gymnasieskola",
    "VUX": "Kommunal vuxenutbildning",
    "VUXSFI": "Kommunal vuxenutbildning i svenska för invandrare",
    "VUXGR": "Kommunal vuxenutbildning på grundläggande nivå",
    "VUXGY": "Kommunal vuxenutbildning på gymnasial nivå",
    "VUXSARGR": "Kommunal vuxenutbildning som anpassad utbildning på grundläggande nivå",
    "VUXSARTR": "Kommunal vuxenutbildning som anpassad utbildning, träningsskolenivå",
    "VUXSARGY": "Kommunal vuxenutbildning som anpassad utbildning på gymnasial nivå",
    "SFI": "Utbildning i svenska för invandrare",
    "SARVUX": "Särskild utbildning för vuxna",
    "SARVUXGR": "Särskild utbildning för vuxna på grundläggande nivå",
    "SARVUXGY": "Särskild utbildning för vuxna på gymnasial nivå",
    "KU": "Kulturskola",
    "YH": "Yrkeshögskola",
    "FHS": "Folkhögskola",
    "STF": "Studieförbund",
    "KKU": "Konst- och kulturutbildning",
    "HS": "Högskola",
    "ABU": "Arbetsmarknadsutbildning",
    "AU": "Annan undervisning",
}
SCHOOL_TYPE_CHOICES: list[tuple[str, str]] = list(SS12000_SCHOOL_TYPES.items())


class Municipality(BaseModel):
    """A tenant: a municipality or a city district. No query crosses tenants."""

    name = models.CharField(_("namn"), max_length=120)
    code = models.CharField(_("kommunkod"), max_length=8, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommun")
        verbose_name_plural = _("kommuner")

    def __str__(self) -> str:
        return self.name


class ResidentialArea(BaseModel):
    """A residential area (R1.4): routing and offers differ by area."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="areas")
    name = models.CharField(_("namn"), max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="area_unique_name")
        ]
        verbose_name = _("bostadsområde")
        verbose_name_plural = _("bostadsområden")

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(models.QuerySet["Unit"]):
    def valid_on(self, day: datetime.date) -> "UnitQuerySet":
        return self.filter(
            Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        )

    def schools(self) -> "UnitQuerySet":
        return self.filter(kind__in=Unit.SCHOOL_KINDS)


class Unit(BaseModel):
    """A node in the organisation tree: administration, unit, team, school, preschool or an
    organisation outside the municipality (R0.6, R0.10, R2.13). Validity dates keep history
    through reorganisations; a merged unit points at its successor."""

    class Kind(models.TextChoices):
        ADMINISTRATION = "administration", _("Förvaltning")
        UNIT = "unit", _("Enhet")
        TEAM = "team", _("Team")
        SCHOOL = "school", _("Skola")
        PRESCHOOL = "preschool", _("Förskola")
        EXTERNAL = "external", _("Extern organisation")

    class Function(models.TextChoices):
        NONE = "", _("Ingen särskild")
        INTAKE = "intake", _("Mottagning")
        SCHOOL_SOCIAL_TEAM = "school_social_team", _("Skolsocialt team")
        FAMILY_TEAM = "family_team", _("Familjeteam")
        CHILD_PSYCHIATRY = "child_psychiatry", _("Barn- och ungdomspsykiatri")
        PRIMARY_CARE = "primary_care", _("Primärvård")

    class OrganiserType(models.TextChoices):
        NONE = "", _("Ej skola")
        MUNICIPAL = "municipal", _("Kommunal")
        INDEPENDENT = "independent", _("Fristående")

    class JointBasis(models.TextChoices):
        """How members from the other administration work in a joint team (R0.6)."""

        NONE = "", _("Inte ett gemensamt team")
        SINGLE_AUTHORITY = (
            "single_authority",
            _("Teamets journaler hör till en myndighet; övriga arbetar på dess uppdrag"),
        )
        CONSENT = "consent", _("Varje förvaltning för egna journaler; uppgifter delas med samtycke")

    SCHOOL_KINDS = (Kind.SCHOOL, Kind.PRESCHOOL)

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Materialised path of ids ("/<root>/<...>/<self>/") so a subtree is one indexed prefix query.
    path = models.CharField(max_length=1000, db_index=True, editable=False)
    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    domain = models.CharField(_("sekretessområde"), max_length=20, choices=SecrecyDomain.choices)
    function = models.CharField(
        _("funktion"), max_length=30, choices=Function.choices, blank=True, default=""
    )
    is_external = models.BooleanField(_("utanför kommunen"), default=False)
    # A joint team (R0.6): on which basis members from the other administration read its records.
    joint_basis = models.CharField(
        _("grund för gemensamt team"), max_length=20, choices=JointBasis.choices, blank=True
    )
    joint_basis_text = models.CharField(
        _("grunden i klartext"),
        max_length=500,
        blank=True,
        help_text=_("Till exempel beslut eller avtal som ger teamet dess uppdrag."),
    )
    valid_from = models.DateField(_("giltig från"), default=timezone.localdate)
    valid_to = models.DateField(_("giltig till"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("uppgick i"),
    )
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-post"), blank=True)

    # School and preschool details (SS 12000 SchoolUnit).
    school_unit_code = models.CharField(_("skolenhetskod"), max_length=8, blank=True)
    school_types = models.JSONField(_("skolformer"), default=list, blank=True)
    grade_from = models.SmallIntegerField(_("från årskurs"), null=True, blank=True)
    grade_to = models.SmallIntegerField(_("till årskurs"), null=True, blank=True)
    organiser_type = models.CharField(
        _("huvudman"), max_length=20, choices=OrganiserType.choices, blank=True, default=""
    )
    residential_area = models.ForeignKey(
        ResidentialArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("bostadsområde"),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "school_unit_code"],
                condition=~Q(school_unit_code=""),
                name="unit_unique_school_unit_code",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_from",
            ),
        ]
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")

    def __str__(self) -> str:
        return self.name

    @property
    def is_school(self) -> bool:
        return self.kind in self.SCHOOL_KINDS

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.is_school:
            if not self.school_types:
                errors["school_types"] = str(_("Ange minst en skolform."))
            if not self.organiser_type:
                errors["organiser_type"] = str(_("Ange huvudman: kommunal eller fristående."))
        unknown = [t for t in self.school_types or [] if t not in SS12000_SCHOOL_TYPES]
        if unknown:
            errors["school_types"] = str(
                _("Okänd skolform: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        if (
            self.grade_from is not None
            and self.grade_to is not None
            and self.grade_from > self.grade_to
        ):
            errors["grade_to"] = str(_("Högsta årskurs kan inte vara lägre än lägsta."))
        if self.parent_id and self.parent and self.parent.municipality_id != self.municipality_id:
            errors["parent"] = str(_("Överordnad enhet måste höra till samma kommun."))
        if errors:
            raise ValidationError(errors)

    def save(self, *args: object, **kwargs: object) -> None:
        old_path = self.path
        self.path = compute_path(self)
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if old_path and old_path != self.path:
            # Moved in the tree: every unit below follows, so a unit head's subtree stays right.
            for unit in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                unit.path = self.path + unit.path[len(old_path) :]
                Unit.objects.filter(pk=unit.pk).update(path=unit.path)

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)

    @property
    def grade_range_display(self) -> str:
        if self.grade_from is None or self.grade_to is None:
            return ""
        low = "F" if self.grade_from == 0 else str(self.grade_from)
        return f"{low}–{self.grade_to}"


def compute_path(unit: Unit) -> str:
    """The unit's materialised path from its parent's path."""
    if unit.parent_id is None:
        return f"/{unit.pk}/"
    parent_path = unit.parent.path if unit.parent else ""
    return f"{parent_path}{unit.pk}/"


class SchoolContact(BaseModel):
    """The named social-services contact (or deputy) of a school for a period (R4.3)."""

    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Kontaktperson")
        DEPUTY = "deputy", _("Ersättare")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    school = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="contacts")
    social_worker = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, related_name="school_contacts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PRIMARY)
    valid_from = models.DateField(default=timezone.localdate)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["school", "kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="contact_valid_to_after_from",
            ),
        ]
        indexes = [models.Index(fields=["school", "valid_from"])]

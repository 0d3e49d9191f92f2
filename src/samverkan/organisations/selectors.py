"""Reads about the organisation: units, schools, staff and school contacts. No child data."""

from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.models import RoleAssignment
from samverkan.core.errors import NotFound

from .models import SchoolContact, Unit, UnitQuerySet


def unit_list(*, actor: Actor) -> UnitQuerySet:
    """The tenant's units valid today, in tree order (path), with area and parent."""
    return (
        Unit.objects.filter(municipality_id=actor.tenant_id)
        .valid_on(timezone.localdate())
        .select_related("residential_area", "parent")
        .order_by("path")
    )


def school_list(*, actor: Actor) -> QuerySet[Unit]:
    return unit_list(actor=actor).schools().order_by("name", "pk")


def unit_get(*, actor: Actor, unit_id: UUID) -> Unit:
    unit = (
        Unit.objects.filter(pk=unit_id, municipality_id=actor.tenant_id)
        .select_related("residential_area", "parent", "successor")
        .first()
    )
    if unit is None:
        raise NotFound
    return unit


def unit_staff(*, unit: Unit) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit_id=unit.pk)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name", "pk")
    )


@dataclass(frozen=True)
class ContactView:
    school: Unit
    primary: SchoolContact | None
    deputy: SchoolContact | None

    @property
    def rows(self) -> list[tuple[str, SchoolContact | None]]:
        return [
            (str(SchoolContact.Kind.PRIMARY.label), self.primary),
            (str(SchoolContact.Kind.DEPUTY.label), self.deputy),
        ]


def current_contacts(*, actor: Actor, school_ids: frozenset[UUID] | set[UUID]) -> list[ContactView]:
    """Each school's named social-services contact and deputy today (R4.3), in two queries."""
    today = timezone.localdate()
    schools = list(
        Unit.objects.filter(pk__in=school_ids, municipality_id=actor.tenant_id).order_by(
            "name", "pk"
        )
    )
    contacts = (
        SchoolContact.objects.filter(school_id__in=school_ids, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("social_worker")
        .order_by("-valid_from")
    )
    by_school: dict[UUID, dict[str, SchoolContact]] = defaultdict(dict)
    for contact in contacts:
        by_school[contact.school_id].setdefault(contact.kind, contact)
    return [
        ContactView(
            s,
            by_school[s.pk].get(SchoolContact.Kind.PRIMARY),
            by_school[s.pk].get(SchoolContact.Kind.DEPUTY),
        )
        for s in schools
    ]


def contact_history(*, school: Unit) -> list[SchoolContact]:
    return list(
        SchoolContact.objects.filter(school_id=school.pk)
        .select_related("social_worker")
        .order_by("-valid_from", "kind")[:50]
    )


def staff_counts(*, actor: Actor) -> dict[UUID, int]:
    rows = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(municipality_id=actor.tenant_id)
        .values("unit_id")
        .annotate(n=Count("user_id", distinct=True))
    )
    return {r["unit_id"]: r["n"] for r in rows}

"""Reads about the organisation: units, schools, staff and school contacts. No child data."""

from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import SCHOOL_LEADER_ROLES, SOCIAL_SERVICES_ROLES, STUDENT_HEALTH_ROLES
from samverkan.core.errors import NotFound
from samverkan.core.models import SecrecyDomain

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


def social_workers(*, actor: Actor) -> list[User]:
    """People holding a social-services role in a social-services unit of the tenant today."""
    return list(
        User.objects.filter(
            pk__in=RoleAssignment.objects.valid_on(timezone.localdate())
            .filter(
                municipality_id=actor.tenant_id,
                role__in=SOCIAL_SERVICES_ROLES,
                unit__domain=SecrecyDomain.SOCIAL_SERVICES,
            )
            .values("user_id")
        ).order_by("last_name", "first_name", "pk")
    )


def social_worker_get(*, actor: Actor, user_id: UUID) -> User:
    """A social worker of the tenant today, or NotFound."""
    worker = next((w for w in social_workers(actor=actor) if w.pk == user_id), None)
    if worker is None:
        raise NotFound
    return worker


def open_contacts_for_update(
    *, actor: Actor, school_ids: set[UUID] | None = None, social_worker_id: UUID | None = None
) -> list[SchoolContact]:
    """Open-ended contacts (valid_to empty) in the tenant, locked for a change."""
    qs = SchoolContact.objects.filter(municipality_id=actor.tenant_id, valid_to__isnull=True)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    if social_worker_id is not None:
        qs = qs.filter(social_worker_id=social_worker_id)
    return list(
        qs.select_for_update(of=("self",))
        .select_related("school", "social_worker")
        .order_by("school__name", "kind", "-valid_from", "pk")
    )


def school_leaders_and_student_health(*, school_ids: set[UUID]) -> dict[UUID, list[User]]:
    """Principals, preschool heads and student-health staff of each school today (one query)."""
    rows = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit_id__in=school_ids, role__in=SCHOOL_LEADER_ROLES | STUDENT_HEALTH_ROLES)
        .select_related("user")
        .order_by("pk")
    )
    by_school: dict[UUID, list[User]] = defaultdict(list)
    for row in rows:
        by_school[row.unit_id].append(row.user)
    return by_school


@dataclass(frozen=True)
class Coverage:
    """The unit head's view of the contact directory (R4.3, R4.5)."""

    rows: list[ContactView]
    without_primary: dict[str, list[Unit]]
    per_contact: list[tuple[User, int]]
    target: int


def contact_coverage(*, actor: Actor, target: int) -> Coverage:
    """Every school with its current contacts, the schools with no primary contact by organiser
    type, and the schools per contact person. Three queries whatever the number of schools."""
    school_ids = set(school_list(actor=actor).values_list("pk", flat=True))
    rows = current_contacts(actor=actor, school_ids=school_ids)
    without: dict[str, list[Unit]] = {
        str(Unit.OrganiserType.MUNICIPAL): [],
        str(Unit.OrganiserType.INDEPENDENT): [],
    }
    counts: dict[UUID, tuple[User, int]] = {}
    for row in rows:
        if row.primary is None:
            without.setdefault(row.school.organiser_type, []).append(row.school)
        else:
            worker = row.primary.social_worker
            counts[worker.pk] = (worker, counts.get(worker.pk, (worker, 0))[1] + 1)
    per_contact = sorted(counts.values(), key=lambda c: (-c[1], c[0].get_full_name()))
    return Coverage(rows, without, per_contact, target)

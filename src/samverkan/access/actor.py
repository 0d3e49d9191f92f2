"""The Actor: who is acting, in which roles and units, loaded once per request."""

import datetime
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from samverkan.organisations.models import Municipality, Unit

from .models import RoleAssignment, User, valid_on_sql
from .roles import (
    HEALTH_CARE_ROLES,
    INTAKE_ROLES,
    SCHOOL_ROLES,
    SOCIAL_SERVICES_ROLES,
    STUDENT_HEALTH_ROLES,
    Role,
)


@dataclass(frozen=True)
class Grant:
    """One role held in one unit today."""

    role: str
    unit_id: UUID
    unit_name: str
    unit_kind: str
    unit_domain: str
    unit_function: str
    # A joint team's basis (R0.6): "single_authority" lets members of the other administration
    # read the team's records on its assignment; otherwise they cross by consent only.
    unit_joint_basis: str = ""

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass(frozen=True)
class Actor:
    """A signed-in member of staff with the roles valid today. Immutable for the request."""

    user_id: UUID
    username: str
    display_name: str
    tenant_id: UUID
    tenant_name: str
    grants: tuple[Grant, ...]
    # Units below a unit head's unit, so a head sees the subtree (R0.7: joint management).
    managed_unit_ids: frozenset[UUID] = frozenset()
    intake_unit_ids: frozenset[UUID] = field(default=frozenset())

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has_role(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    def unit_ids_for(self, roles: frozenset[str] | set[str]) -> frozenset[UUID]:
        return frozenset(g.unit_id for g in self.grants if g.role in roles)

    def grant_for(
        self, roles: frozenset[str] | set[str], unit_ids: frozenset[UUID] | None = None
    ) -> Grant | None:
        """The first grant with one of `roles`, in one of `unit_ids` when given."""
        for grant in self.grants:
            if grant.role in roles and (unit_ids is None or grant.unit_id in unit_ids):
                return grant
        return None

    @property
    def school_ids(self) -> frozenset[UUID]:
        """Schools and preschools where the actor holds a school role today."""
        return frozenset(
            g.unit_id for g in self.grants if g.role in SCHOOL_ROLES and g.unit_kind in SCHOOLS
        )

    @property
    def student_health_school_ids(self) -> frozenset[UUID]:
        return frozenset(
            g.unit_id
            for g in self.grants
            if g.role in STUDENT_HEALTH_ROLES and g.unit_kind in SCHOOLS
        )

    @property
    def health_care_school_ids(self) -> frozenset[UUID]:
        return frozenset(
            g.unit_id for g in self.grants if g.role in HEALTH_CARE_ROLES and g.unit_kind in SCHOOLS
        )

    @property
    def social_unit_ids(self) -> frozenset[UUID]:
        """Social-services units whose records the actor works with (own units and, for a unit
        head, every unit below)."""
        own = frozenset(
            g.unit_id
            for g in self.grants
            if g.role in SOCIAL_SERVICES_ROLES
            and g.unit_domain == "social_services"
            and _works_in_social_services(g)
        )
        return own | self.managed_unit_ids

    def recipient_unit_ids(self, recipients: frozenset[tuple[UUID, str]]) -> frozenset[UUID]:
        """Units where the actor is one of a consent's recipients: holds a named role at the
        named unit, or heads it (a unit head's role is at the unit above, DESIGN principle 8)."""
        units = {g.unit_id for g in self.grants if (g.unit_id, g.role) in recipients}
        units |= {
            unit_id
            for unit_id, role in recipients
            if role == Role.UNIT_HEAD and unit_id in self.managed_unit_ids
        }
        return frozenset(units)

    @property
    def primary_grant(self) -> Grant | None:
        return self.grants[0] if self.grants else None


SCHOOLS = frozenset({Unit.Kind.SCHOOL, Unit.Kind.PRESCHOOL})


def _works_in_social_services(grant: Grant) -> bool:
    """A team teacher belongs to the education administration (R0.6): they work within social
    services' records only where the team says its records are one authority's and they work on
    its assignment; otherwise they read social services' records by consent like any teacher."""
    if grant.role != Role.TEAM_TEACHER:
        return True
    return grant.unit_joint_basis == Unit.JointBasis.SINGLE_AUTHORITY


def _assignment_sql() -> str:
    """The role assignments valid on a day in units valid that day, with the unit's and the
    tenant's fields: the same rows as `RoleAssignment.objects.valid_on(day)` filtered on
    `Unit.objects.valid_on(day)`. Plain SQL written once: this runs on every signed-in request,
    and compiling the ORM's query cost more than running it."""
    ra, unit, tenant = RoleAssignment._meta, Unit._meta, Municipality._meta
    return (
        'SELECT ra."role", ra."unit_id", u."name", u."kind", u."domain", u."function", '  # noqa: S608 (names from the models)
        f'u."joint_basis", u."path", m."name" FROM "{ra.db_table}" ra '
        f'JOIN "{unit.db_table}" u ON u."id" = ra."unit_id" '
        f'JOIN "{tenant.db_table}" m ON m."id" = ra."municipality_id" '
        'WHERE ra."user_id" = %s AND ra."municipality_id" = %s '
        f"AND {valid_on_sql('ra')} AND {valid_on_sql('u')} "
        'ORDER BY ra."created_at", ra."id"'
    )


_ASSIGNMENT_SQL = _assignment_sql()


def _assignments_on(user: User, day: datetime.date) -> list[tuple[Any, ...]]:
    ops = connection.ops
    uuid_field = RoleAssignment._meta.get_field("id")
    on = ops.adapt_datefield_value(day)
    params = [
        uuid_field.get_db_prep_value(user.pk, connection),
        uuid_field.get_db_prep_value(user.municipality_id, connection),
        on,
        on,
        on,
        on,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_ASSIGNMENT_SQL, params)
        rows = cursor.fetchall()
    # SQLite returns a UUID as its 32 hex digits.
    return [(r[0], r[1] if isinstance(r[1], UUID) else UUID(r[1]), *r[2:]) for r in rows]


def actor_load(*, user: User, today: datetime.date | None = None) -> Actor | None:
    """Build the actor from the user's role assignments valid today (one query; a second only
    for unit heads). None when the user belongs to no tenant."""
    if user.municipality_id is None:
        return None
    day = today or timezone.localdate()
    assignments = _assignments_on(user, day)
    grants = tuple(
        Grant(
            role=role,
            unit_id=unit_id,
            unit_name=name,
            unit_kind=kind,
            unit_domain=domain,
            unit_function=function,
            unit_joint_basis=joint_basis,
        )
        for role, unit_id, name, kind, domain, function, joint_basis, _path, _tenant in assignments
    )
    head_paths = [a[7] for a in assignments if a[0] == Role.UNIT_HEAD and a[4] == "social_services"]
    managed: list[tuple[UUID, str]] = []
    if head_paths:
        subtree = Q()
        for path in head_paths:
            subtree |= Q(path__startswith=path)
        managed = list(
            Unit.objects.filter(subtree, municipality_id=user.municipality_id)
            .valid_on(day)
            .values_list("id", "function")
        )
    intake_ids = {g.unit_id for g in grants if g.role in INTAKE_ROLES}
    intake_ids |= {uid for uid, function in managed if function == Unit.Function.INTAKE}
    tenant_name = assignments[0][8] if assignments else ""
    if not tenant_name:
        tenant_name = user.municipality.name if user.municipality else ""
    return Actor(
        user_id=user.pk,
        username=user.username,
        display_name=user.get_full_name() or user.username,
        tenant_id=user.municipality_id,
        tenant_name=tenant_name,
        grants=grants,
        managed_unit_ids=frozenset(uid for uid, _ in managed),
        intake_unit_ids=frozenset(intake_ids),
    )

"""Reads of the one way in: the intake queue, one item for its handlers, what the school side
sees of what it sent, routing facts. Every list is filtered by the policy's Q twin."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.models import RoleAssignment, User, valid_on_sql
from samverkan.access.roles import (
    INTAKE_ROLES,
    SCHOOL_LEADER_ROLES,
    SOCIAL_SERVICES_ROLES,
    Role,
)
from samverkan.children import policies as child_policies
from samverkan.children.models import Child, Enrolment
from samverkan.core.errors import NotFound
from samverkan.organisations.models import Unit

from . import deadlines, policies, routing
from .models import (
    ChildSource,
    Consultation,
    ConsultationRedaction,
    IntakeItem,
    IntakeNote,
    RoutingRule,
    RoutingSettings,
    Supplement,
    TeamProfile,
    TeamSchoolContact,
)

QUEUE_PAGE_SIZE = 50
# What the deadlines and the flags of a queue row read, in QueueEntry's order.
_QUEUE_FACTS = (
    "kind",
    "status",
    "received_at",
    "protection_assessed_at",
    "decision_due",
    "extended_due",
    "decided_at",
    "feedback_requested_at",
    "feedback_given_at",
    "likely_duplicate_of_id",
    "child_source",
    "child_resolved_at",
)
_QUEUE_CHILD = (
    "child__given_name",
    "child__family_name",
    "child__birth_date",
    "child__identity_number",
    "child__protection_marking",
)
# What a queue row shows (the page and the API): fewer columns, less to build per row.
QUEUE_COLUMNS = (
    "id",
    "municipality_id",
    "owner_unit_id",
    "handed_over_to_id",
    "created_by_id",
    "reference",
    "needs_protection_now",
    *_QUEUE_FACTS,
    "assigned_to_id",
    "school_id",
    "child_id",
    "child__id",
    *_QUEUE_CHILD,
    "school__id",
    "school__name",
    "assigned_to__id",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
)


def item_ref(item: IntakeItem) -> policies.ItemRef:
    return policies.ItemRef(
        item.municipality_id,
        item.owner_unit_id,
        item.school_id,
        item.created_by_id,
        item.handed_over_to_id,
    )


def item_facts(
    item: "IntakeItem | QueueEntry", zone: datetime.tzinfo | None = None
) -> deadlines.ItemFacts:
    """`zone`: the current time zone, when the caller has it at hand (a page of rows)."""
    zone = zone or timezone.get_current_timezone()

    def day(value: datetime.datetime | None) -> datetime.date | None:
        return timezone.localdate(value, zone) if value is not None else None

    return deadlines.ItemFacts(
        kind=item.kind,
        received_on=timezone.localdate(item.received_at, zone),
        protection_assessed_on=day(item.protection_assessed_at),
        decision_due=item.decision_due,
        extended_due=item.extended_due,
        decided_on=day(item.decided_at),
        feedback_requested_on=day(item.feedback_requested_at),
        feedback_given_on=day(item.feedback_given_at),
        feedback_asked_after_decision=(
            item.decided_at is not None
            and item.feedback_requested_at is not None
            and item.feedback_requested_at > item.decided_at
        ),
    )


def item_deadlines(
    item: "IntakeItem | QueueEntry",
    today: datetime.date | None = None,
    zone: datetime.tzinfo | None = None,
) -> deadlines.Deadlines:
    return deadlines.evaluate(item_facts(item, zone), today or timezone.localdate())


# ---------------------------------------------------------------------------------------------
# Routing


def routing_rule_facts(*, municipality_id: UUID) -> list[routing.RuleFact]:
    rows = RoutingRule.objects.filter(municipality_id=municipality_id, is_active=True).values_list(
        "id",
        "name",
        "position",
        "kinds",
        "age_from",
        "age_to",
        "school_id",
        "residential_area_id",
        "target_unit_id",
    )
    return [
        routing.RuleFact(rid, name, pos, tuple(kinds or ()), af, at, sid, aid, tid)
        for rid, name, pos, kinds, af, at, sid, aid, tid in rows
    ]


def default_unit_id(*, municipality_id: UUID) -> UUID | None:
    """The configured default; without one, the municipality's first intake unit valid today."""
    configured = (
        RoutingSettings.objects.filter(municipality_id=municipality_id)
        .values_list("default_unit_id", flat=True)
        .first()
    )
    if configured is not None:
        return configured
    return (
        Unit.objects.filter(municipality_id=municipality_id, function=Unit.Function.INTAKE)
        .valid_on(timezone.localdate())
        .order_by("name", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def route_for(*, municipality_id: UUID, subject: routing.Subject) -> routing.Route | None:
    return routing.route(
        subject,
        routing_rule_facts(municipality_id=municipality_id),
        default_unit_id(municipality_id=municipality_id),
    )


def routing_rules(*, actor: Actor) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.filter(municipality_id=actor.tenant_id).select_related(
        "school", "residential_area", "target_unit"
    )


def receiving_units(*, actor: Actor) -> QuerySet[Unit]:
    """Social-services units an item can be routed or handed over to, valid today."""
    return (
        Unit.objects.filter(municipality_id=actor.tenant_id, domain="social_services")
        .exclude(kind=Unit.Kind.ADMINISTRATION)
        .valid_on(timezone.localdate())
        .order_by("name", "pk")
    )


# ---------------------------------------------------------------------------------------------
# Intake side


def queue(
    *, actor: Actor, status: str = "open", assigned_to_me: bool = False
) -> QuerySet[IntakeItem]:
    """The queue's items in order: urgency (IntakeItem.queue_urgency), then time waiting. A
    filtered, ordered queryset; queue_page turns its first page into rows."""
    if status == "open":
        # Open: not yet decided, or decided with feedback the reporter asked for still owed
        # (IntakeItem.needs_action, stored as is_open). Only the receiving unit has open items
        # (a handed-over item is not open), so this is one range of the intake_open index,
        # and a subset of policies.items_handled_by.
        qs = IntakeItem.objects.filter(
            municipality_id=actor.tenant_id,
            owner_unit_id__in=policies.handler_unit_ids(actor),
            # `is_open IN (true)`: SQLite uses an index only for a comparison, and Django
            # writes `is_open=True` as the bare column.
            is_open__in=[True],
        )
    else:
        qs = IntakeItem.objects.filter(policies.items_handled_by(actor))
        if status:
            qs = qs.filter(status=status)
    if assigned_to_me:
        qs = qs.filter(assigned_to_id=actor.user_id)
    # Rows for display come from queue_page, which loads only the columns a row shows.
    return qs.order_by("urgency", "received_at", "pk")


# queue()'s open items as SQL written once: the page most opened, and the ORM's query cost
# more to compile than to run.
_OPEN_IDS_SQL = (
    f"SELECT id FROM {IntakeItem._meta.db_table}"  # noqa: S608 (names from the model)
    " WHERE municipality_id = %s AND owner_unit_id IN ({units}) AND is_open IN (%s){mine}"
    " ORDER BY urgency, received_at, id LIMIT %s"
)


def _queue_page_ids(*, actor: Actor, status: str, assigned_to_me: bool) -> list[UUID]:
    """The first page's ids in queue order, from the index alone."""
    if status != "open":
        ordered = queue(actor=actor, status=status, assigned_to_me=assigned_to_me)
        return list(ordered.values_list("pk", flat=True)[:QUEUE_PAGE_SIZE])
    units = sorted(policies.handler_unit_ids(actor))
    if not units:
        return []
    key = IntakeItem._meta.pk
    params = [
        key.get_db_prep_value(actor.tenant_id, connection),
        *(key.get_db_prep_value(unit, connection) for unit in units),
        True,
    ]
    mine = ""
    if assigned_to_me:
        mine = " AND assigned_to_id = %s"
        params.append(key.get_db_prep_value(actor.user_id, connection))
    sql = _OPEN_IDS_SQL.format(units=", ".join(["%s"] * len(units)), mine=mine)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, QUEUE_PAGE_SIZE])
        # A UUID from PostgreSQL, its hex from SQLite.
        return [UUID(str(pk)) for (pk,) in cursor.fetchall()]


def queue_page(
    *, actor: Actor, status: str = "open", assigned_to_me: bool = False
) -> list[IntakeItem]:
    """The first page of the queue in two steps: the ids in queue order from the index alone,
    then those rows with their child, school and worker. Sorting thousands of open items with
    their joins cost several times more than this."""
    ids = _queue_page_ids(actor=actor, status=status, assigned_to_me=assigned_to_me)
    # The ids passed the policy's filter above; fetch them by primary key.
    rows = {
        item.pk: item
        for item in IntakeItem.objects.filter(pk__in=ids)
        .select_related("child", "school", "assigned_to")
        .only(*QUEUE_COLUMNS)
        .order_by()
    }
    return [rows[pk] for pk in ids if pk in rows]


class QueueEntry(NamedTuple):
    """One item of the queue's page as plain values (queue_entries): the columns a row of the
    page shows, named as IntakeItem's fields so that item_facts reads either."""

    id: UUID
    reference: str
    kind: str
    status: str
    received_at: datetime.datetime
    protection_assessed_at: datetime.datetime | None
    decision_due: datetime.date | None
    extended_due: datetime.date | None
    decided_at: datetime.datetime | None
    feedback_requested_at: datetime.datetime | None
    feedback_given_at: datetime.datetime | None
    likely_duplicate_of_id: UUID | None
    child_source: str
    child_resolved_at: datetime.datetime | None
    child_id: UUID
    child_given_name: str
    child_family_name: str
    child_birth_date: datetime.date
    child_identity_number: str
    child_protection_marking: str
    school_name: str
    assigned_to_id: UUID | None
    assigned_first_name: str | None
    assigned_last_name: str | None
    assigned_username: str | None

    @property
    def child_unresolved(self) -> bool:
        """IntakeItem.child_unresolved."""
        return self.child_source == ChildSource.PROVISIONAL and self.child_resolved_at is None


_QUEUE_ENTRY_COLUMNS = (
    "id",
    "reference",
    *_QUEUE_FACTS,
    "child_id",
    *_QUEUE_CHILD,
    "school__name",
    "assigned_to_id",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__username",
)


def queue_entries(
    *, actor: Actor, status: str = "open", assigned_to_me: bool = False
) -> list[QueueEntry]:
    """queue_page for the queue's page: the same items in the same order, as plain values
    in one query with the joins (no model instances: fifty rows of four models each)."""
    ids = _queue_page_ids(actor=actor, status=status, assigned_to_me=assigned_to_me)
    rows = {
        row[0]: QueueEntry(*row)
        for row in IntakeItem.objects.filter(pk__in=ids)
        .order_by()
        .values_list(*_QUEUE_ENTRY_COLUMNS)
    }
    return [rows[pk] for pk in ids if pk in rows]


# SQL written once (the ORM's three filtered counts cost more to compile than to run): the
# open items' range of the `intake_open` index, counted three ways.
_COUNTS_SQL = (
    "SELECT COUNT(*),"  # noqa: S608 (names from the model)
    " COUNT(CASE WHEN status = %s AND assigned_to_id IS NULL THEN 1 END),"
    " COUNT(CASE WHEN urgency IN (0, 1) AND received_at < %s THEN 1 END)"
    f" FROM {IntakeItem._meta.db_table}"
    " WHERE is_open IN (%s) AND owner_unit_id IN ({units})"
)


def queue_counts(*, actor: Actor) -> dict[str, int]:
    """The receiving unit's open items, those without a worker, and reports whose protection
    assessment is missing after the day of receipt, in one query over the range of open items
    in the `intake_open` index: a new item is open (`IntakeItem.needs_action`) and an unassessed
    report is open until decided, so both smaller counts are counts of open items. Unassessed
    reports have urgency 0 or 1 (IntakeItem.queue_urgency)."""
    today_start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time.min)
    )
    units = sorted(policies.handler_unit_ids(actor))
    if not units:
        return {"open": 0, "unassigned": 0, "protection_overdue": 0}
    # The actor's units are units of its own tenant (actor_load): leaving municipality_id out
    # lets the count read the index. `is_open IN (true)`: see queue().
    key = IntakeItem._meta.pk
    params = [
        IntakeItem.Status.NEW.value,
        IntakeItem._meta.get_field("received_at").get_db_prep_value(today_start, connection),
        True,
        *(key.get_db_prep_value(unit, connection) for unit in units),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL.format(units=", ".join(["%s"] * len(units))), params)
        open_count, unassigned, overdue = cursor.fetchone()
    return {
        "open": int(open_count),
        "unassigned": int(unassigned),
        "protection_overdue": int(overdue),
    }


# What the item page shows of each relation that is usually empty on an open item: loaded in a
# second query, and only when set. One query joining all fifteen tables cost PostgreSQL more to
# plan (past its genetic-optimiser threshold) than the page's Python work.
_ITEM_SOMETIMES = (
    "routed_by_rule",
    "handed_over_to",
    "protection_assessed_by",
    "decided_by",
    "likely_duplicate_of",
    "consultation",
)


def item_get_for_handling(*, actor: Actor, item_id: UUID) -> IntakeItem:
    # Sliced and unordered rather than first(): one primary key needs no ORDER BY to resolve.
    rows = (
        IntakeItem.objects.filter(pk=item_id, municipality_id=actor.tenant_id)
        .select_related("child", "school", "owner_unit", "assigned_to", "created_by")
        .order_by()[:1]
    )
    item = next(iter(rows), None)
    if item is None or not policies.can_handle_item(actor, item_ref(item)):
        raise NotFound
    present = [name for name in _ITEM_SOMETIMES if getattr(item, f"{name}_id") is not None]
    if present:
        others = (
            IntakeItem.objects.filter(pk=item.pk)
            .select_related(*present)
            .only("pk", *present)
            .order_by()
        )
        for other in others[:1]:
            for name in present:
                setattr(item, name, getattr(other, name))
    return item


def item_for_update(*, actor: Actor, item_id: UUID) -> IntakeItem:
    item = (
        IntakeItem.objects.select_for_update()
        .filter(pk=item_id, municipality_id=actor.tenant_id)
        .first()
    )
    if item is None:
        raise NotFound
    return item


def assignable_workers(*, item: IntakeItem) -> list[User]:
    """Social workers of the receiving unit today."""
    rows = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit_id=item.owner_unit_id, role__in=SOCIAL_SERVICES_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    seen: dict[UUID, User] = {}
    for row in rows:
        seen.setdefault(row.user_id, row.user)
    return list(seen.values())


def unit_staff_to_notify(*, unit_id: UUID) -> list[User]:
    rows = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit_id=unit_id, role__in=INTAKE_ROLES | {Role.UNIT_HEAD, Role.TEAM_SOCIAL_WORKER})
        .select_related("user")
        .order_by("pk")
    )
    return [r.user for r in rows]


def school_leaders(*, school_id: UUID) -> list[User]:
    """The principal or preschool head of a school today."""
    rows = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit_id=school_id, role__in=SCHOOL_LEADER_ROLES)
        .select_related("user")
        .order_by("pk")
    )
    return [r.user for r in rows]


def teams_for_handover(*, actor: Actor) -> list[tuple[Unit, TeamProfile | None]]:
    teams = list(
        Unit.objects.filter(municipality_id=actor.tenant_id, kind=Unit.Kind.TEAM)
        .filter(domain="social_services")
        .valid_on(timezone.localdate())
        .order_by("name", "pk")
    )
    profiles = {p.team_id: p for p in TeamProfile.objects.filter(team__in=teams)}
    return [(t, profiles.get(t.pk)) for t in teams]


def team_school_member(*, team_id: UUID, school_id: UUID) -> User | None:
    row = (
        TeamSchoolContact.objects.filter(team_id=team_id, school_id=school_id)
        .select_related("member")
        .first()
    )
    return row.member if row is not None else None


def item_supplements(*, item: IntakeItem) -> QuerySet[Supplement]:
    """The school's additions to an item its handler has opened, oldest first."""
    return (
        Supplement.objects.filter(item_id=item.pk)
        .select_related("author")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class Entry:
    """A supplement or a note as the item page prints it: the time and the author's name ready."""

    when: str  # local time, "Y-m-d H:i"
    author: str
    body: str


def _entry_sql(model: type[Supplement] | type[IntakeNote]) -> str:
    return (
        "SELECT e.id, e.created_at, e.body, u.first_name AS author_first_name,"  # noqa: S608 (names from the models)
        " u.last_name AS author_last_name, u.username AS author_username"
        f" FROM {model._meta.db_table} e JOIN {User._meta.db_table} u ON u.id = e.author_id"
        " WHERE e.item_id = %s ORDER BY e.created_at, e.id"
    )


# SQL written once: the ORM's query cost more to compile than to run, twice a page.
_ENTRY_SQL = {model: _entry_sql(model) for model in (Supplement, IntakeNote)}


def _entries(model: type[Supplement] | type[IntakeNote], item_id: UUID) -> list[Entry]:
    key = IntakeItem._meta.pk.get_db_prep_value(item_id, connection)
    zone = timezone.get_current_timezone()
    rows: Iterable[Any] = model.objects.raw(_ENTRY_SQL[model], [key])  # with the author's names
    return [
        Entry(
            timezone.localtime(row.created_at, zone).strftime("%Y-%m-%d %H:%M"),
            f"{row.author_first_name} {row.author_last_name}".strip() or row.author_username,
            row.body,
        )
        for row in rows
    ]


def item_supplement_entries(*, item: IntakeItem) -> list[Entry]:
    """item_supplements for intake's item page: plain rows, oldest first."""
    return _entries(Supplement, item.pk)


def item_note_entries(*, item: IntakeItem) -> list[Entry]:
    """Intake's working notes on an item its handler has opened, oldest first."""
    return _entries(IntakeNote, item.pk)


# SQL written once for the item page's two reads of role assignments (the ORM's queries cost
# more to compile than to run). Valid on a day: RoleAssignmentQuerySet.valid_on.
_ROLES = RoleAssignment._meta.db_table
_VALID_ON = valid_on_sql("r")
_WORKERS_SQL = (
    "SELECT r.user_id, u.first_name, u.last_name, u.username"  # noqa: S608 (names from the models)
    f" FROM {_ROLES} r JOIN {User._meta.db_table} u ON u.id = r.user_id"
    f" WHERE {_VALID_ON} AND r.unit_id = %s AND r.role IN ({{roles}})"
    " ORDER BY u.last_name, u.first_name, r.id"
)
_REPORTER_ROLES_SQL = (
    f"SELECT r.role FROM {_ROLES} r WHERE {_VALID_ON}"  # noqa: S608 (names from the models)
    " AND r.user_id = %s AND r.unit_id = %s ORDER BY r.id"
)


def _valid_on(day: datetime.date) -> list[Any]:
    field = RoleAssignment._meta.get_field("valid_from")
    value = field.get_db_prep_value(day, connection)
    return [value, value]


def _key(value: UUID) -> Any:
    return RoleAssignment._meta.pk.get_db_prep_value(value, connection)


def worker_choices(*, item: IntakeItem) -> list[tuple[str, str]]:
    """assignable_workers as the assign form's choices: (id, name), one per worker."""
    roles = sorted(str(role) for role in SOCIAL_SERVICES_ROLES)
    sql = _WORKERS_SQL.format(roles=", ".join(["%s"] * len(roles)))
    params = [*_valid_on(timezone.localdate()), _key(item.owner_unit_id), *roles]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    seen: dict[str, str] = {}
    for user_id, first, last, username in rows:
        # A UUID from PostgreSQL, its hex from SQLite: the form's value is the dashed text.
        seen.setdefault(str(UUID(str(user_id))), f"{first} {last}".strip() or username)
    return list(seen.items())


def reporter_roles(*, item: IntakeItem) -> list[str]:
    """The reporter's roles at the sending school on the day the item was received."""
    if item.created_by_id is None:
        return []
    day = timezone.localdate(item.received_at)
    params = [*_valid_on(day), _key(item.created_by_id), _key(item.school_id)]
    with connection.cursor() as cursor:
        cursor.execute(_REPORTER_ROLES_SQL, params)
        rows = cursor.fetchall()
    return [str(Role(role).label) for (role,) in rows]


def consultation_queue(*, actor: Actor, status: str = "open") -> QuerySet[Consultation]:
    qs = Consultation.objects.filter(policies.consultations_handled_by(actor))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("school", "routed_to").order_by("created_at", "pk")


def consultation_get_for_handling(*, actor: Actor, consultation_id: UUID) -> Consultation:
    consultation = (
        Consultation.objects.filter(pk=consultation_id, municipality_id=actor.tenant_id)
        .select_related("school", "routed_to", "asked_by", "answered_by")
        .first()
    )
    if consultation is None or not policies.can_answer_consultation(
        actor, consultation.routed_to_id, consultation.municipality_id
    ):
        raise NotFound
    return consultation


def consultation_redactions(*, consultation: Consultation) -> list[dict[str, Any]]:
    """What may be shown of each masking: when and why (never the masked passage)."""
    rows = ConsultationRedaction.objects.filter(consultation=consultation).order_by(
        "created_at", "pk"
    )
    return [
        {"created_at": r.created_at, "reason": r.reason} for r in rows.only("created_at", "reason")
    ]


def consultation_converted_to(*, consultation: Consultation) -> IntakeItem | None:
    """The report or request the consultation became, if any (one indexed row)."""
    return (
        IntakeItem.objects.filter(consultation_id=consultation.pk)
        .only("pk", "reference", "kind", "created_by_id", "school_id")
        .first()
    )


# ---------------------------------------------------------------------------------------------
# School side


@dataclass(frozen=True)
class SentView:
    """What the school side sees of an item it sent: its own submission, the receipt, the
    status, and the outcome only when feedback was asked for and given (SoL 19 kap. 6 §)."""

    item: IntakeItem
    outcome: str  # the decision's label, or ""
    feedback_given_on: datetime.date | None

    @property
    def status_label(self) -> str:
        from django.utils.translation import gettext as _

        if self.outcome:
            return str(_("Återkoppling lämnad"))
        if self.item.status == IntakeItem.Status.HANDED_OVER:
            return str(_("Överlämnad till team"))
        return str(_("Mottagen av socialtjänsten"))


def sent_view(item: IntakeItem, viewer_id: UUID) -> SentView:
    """The outcome goes to the reporter alone (SoL 19 kap. 6 §; OSL 26 kap. 9 a § lets social
    services disclose it to the one who reported): the school's leader sees the school's items
    and their status, not the outcome of a colleague's report."""
    shown = (
        item.feedback_given_at is not None
        and bool(item.decision)
        and item.created_by_id == viewer_id
    )
    return SentView(
        item=item,
        outcome=str(item.get_decision_display()) if shown else "",
        feedback_given_on=timezone.localdate(item.feedback_given_at) if shown else None,
    )


def _newest_of_two(base: QuerySet[Any], own: Q, led: Q | None, limit: int) -> list[Any]:
    """What the actor sent and what the schools they lead sent, newest first (`base`'s order),
    in one query: the newest `limit` ids of each side, each from its own index, then those rows
    with `base`'s joins by primary key. One OR that no index serves would sort every item of
    the school; two full queries cost two compilations of `base`'s joins."""
    model: type[Any] = base.model

    def newest(side: Q) -> QuerySet[Any]:
        # A LIMITed subquery inside an IN, so the union has no LIMIT of its own (SQLite
        # refuses one in a compound statement).
        ids = base.filter(side).values("pk")[:limit]
        rows: QuerySet[Any] = model._default_manager.filter(pk__in=ids)
        return rows.values("pk").order_by()

    wanted = newest(own)
    if led is not None:
        wanted = wanted.union(newest(led), all=True)
    return list(base.filter(pk__in=wanted)[:limit])


def sent_items(*, actor: Actor, limit: int = 50, full: bool = False) -> list[SentView]:
    """What the actor sent and what the schools they lead sent, newest first. By default the
    items carry only what a short list shows (reference, kind, time received, status and the
    outcome's fields; anything else loads on access); `full` adds the child, school, receiving
    unit and sender (the list of everything sent)."""
    schools = policies.leader_school_ids(actor)
    if not full:
        rows = _sent_items_lean(actor, schools, limit)
        return [sent_view(item, actor.user_id) for item in rows]
    base = (
        IntakeItem.objects.filter(municipality_id=actor.tenant_id)
        .select_related("child", "school", "owner_unit", "created_by")
        .order_by("-received_at", "-pk")
    )
    rows = _newest_of_two(
        base,
        Q(created_by_id=actor.user_id),
        Q(school_id__in=schools) if schools else None,
        limit,
    )
    return [sent_view(item, actor.user_id) for item in rows]


_SENT_COLUMNS = (
    "id",
    "reference",
    "kind",
    "received_at",
    "status",
    "feedback_given_at",
    "decision",
    "created_by_id",
    "school_id",
)


# A LIMITed subquery in FROM: SQLite refuses a LIMIT of its own in a compound statement.
_SENT_SIDE = (
    f"SELECT id FROM (SELECT id FROM {IntakeItem._meta.db_table}"  # noqa: S608 (names from the model)
    " WHERE municipality_id = %s AND {condition}"
    " ORDER BY received_at DESC, id DESC LIMIT %s) AS {alias}"
)
_SENT_NEWEST = (
    f"SELECT {', '.join(_SENT_COLUMNS)} FROM {IntakeItem._meta.db_table}"  # noqa: S608 (names from the model)
    " WHERE id IN ({sides}) ORDER BY received_at DESC, id DESC LIMIT %s"
)


def _sent_items_lean(actor: Actor, schools: frozenset[UUID], limit: int) -> list[IntakeItem]:
    """_newest_of_two's query for the start page, written out: the newest `limit` ids of each
    side from its own index (intake_reporter, intake_school), merged by primary key, with only
    the columns a short list shows. Building it with the ORM (three nested querysets) cost
    more than the rest of the start page's intake part."""
    key = IntakeItem._meta.pk

    def uuid(value: UUID) -> Any:
        return key.get_db_prep_value(value, connection)

    # Built from this module's constants and placeholders only, never from input.
    sides = [_SENT_SIDE.format(alias="own_items", condition="created_by_id = %s")]
    params: list[Any] = [uuid(actor.tenant_id), uuid(actor.user_id), limit]
    if schools:
        marks = ", ".join(["%s"] * len(schools))
        sides.append(_SENT_SIDE.format(alias="led_items", condition=f"school_id IN ({marks})"))
        params += [uuid(actor.tenant_id), *(uuid(s) for s in sorted(schools)), limit]
    sql = _SENT_NEWEST.format(sides=" UNION ALL ".join(sides))
    return list(IntakeItem.objects.raw(sql, [*params, limit]))


def sent_item_get(*, actor: Actor, item_id: UUID) -> SentView:
    item = (
        IntakeItem.objects.filter(pk=item_id, municipality_id=actor.tenant_id)
        .select_related("child", "school", "owner_unit", "created_by", "consultation")
        .first()
    )
    if item is None or not policies.can_view_as_sender(actor, item_ref(item)):
        raise NotFound
    return sent_view(item, actor.user_id)


def sent_consultations(*, actor: Actor, limit: int = 50) -> list[Consultation]:
    base = (
        Consultation.objects.filter(municipality_id=actor.tenant_id)
        .select_related("school", "routed_to", "converted_to")
        .order_by("-created_at", "-pk")
    )
    schools = policies.leader_school_ids(actor)
    return _newest_of_two(
        base,
        Q(asked_by_id=actor.user_id),
        Q(school_id__in=schools) if schools else None,
        limit,
    )


def sent_consultation_get(*, actor: Actor, consultation_id: UUID) -> Consultation:
    consultation = (
        Consultation.objects.filter(pk=consultation_id, municipality_id=actor.tenant_id)
        .select_related("school", "routed_to", "answered_by")
        .first()
    )
    if consultation is None or not policies.can_view_consultation_as_sender(
        actor, consultation.asked_by_id, consultation.school_id, consultation.municipality_id
    ):
        raise NotFound
    return consultation


SENDER_SEARCH_LIMIT = 50


@dataclass(frozen=True)
class ChildChoice:
    """A child the sender can choose: enrolled today at one of the sender's schools."""

    school_id: UUID
    child_id: UUID
    name: str
    masked_identity_number: str
    protected: bool = False  # skyddad folkbokföring or sekretessmarkering


def sender_children(
    *, actor: Actor, school_ids: frozenset[UUID], child_ids: Iterable[UUID]
) -> list[ChildChoice]:
    """Of the given children, those enrolled today at the given schools and visible to the
    actor, as the sender's choices (names and masked numbers). The form never lists a whole
    school's pupils: the children come from a search or from the child already chosen."""
    wanted = [c for c in child_ids if c is not None]
    if not wanted or not school_ids:
        return []
    rows = (
        Enrolment.objects.current()
        .filter(school_id__in=school_ids, municipality_id=actor.tenant_id, child_id__in=wanted)
        .filter(child__in=Child.objects.filter(child_policies.children_visible_to(actor)))
        .select_related("child")
        .order_by("school_id", "child__family_name", "child__given_name", "child_id", "pk")
    )[:SENDER_SEARCH_LIMIT]
    seen: set[tuple[UUID, UUID]] = set()
    choices = []
    for row in rows:
        if (row.school_id, row.child_id) in seen:
            continue
        seen.add((row.school_id, row.child_id))
        choices.append(
            ChildChoice(
                row.school_id,
                row.child_id,
                row.child.full_name,
                row.child.masked_identity_number,
                row.child.is_protected,
            )
        )
    return choices


@dataclass(frozen=True)
class RegisterMatch:
    """What the sender sees of a child found in the register by full identity number: the
    name and the age, or nothing at all for a child with a protection marking."""

    child_id: UUID
    name: str  # "" for a protected child
    age: int | None  # None for a protected child
    protected: bool


def register_match(child: Child) -> RegisterMatch:
    if child.is_protected:
        return RegisterMatch(child.pk, "", None, True)
    today = timezone.localdate()
    born = child.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return RegisterMatch(child.pk, child.full_name, age, False)

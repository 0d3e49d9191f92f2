"""Reads of support episodes: actor-scoped, bounded, every relation named (STYLE P3)."""

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor
from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import TEAM_ROLES, Role
from samverkan.children.models import Child, Guardian, ProtectionMarking
from samverkan.consent import selectors as consent_selectors
from samverkan.consent.models import ConsentParty
from samverkan.consent.rules import age_on
from samverkan.core.errors import NotFound
from samverkan.intake.models import TeamSchoolContact

from . import policies, rules
from .models import Episode, EpisodeMember, EpisodeOutcome, EpisodeSubject, EpisodeType

PAGE_SIZE = 50
_ZERO = UUID(int=0)
DUE_WITHIN_DAYS = 14


def episode_types(*, municipality_id: UUID) -> QuerySet[EpisodeType]:
    """The municipality's types in use, by name."""
    return EpisodeType.objects.filter(municipality_id=municipality_id, is_active=True).order_by(
        "name", "pk"
    )


def episode_facts(episode: Episode) -> policies.EpisodeFacts:
    """The facts the policies decide on (one indexed query for the members)."""
    members = frozenset(
        EpisodeMember.objects.filter(episode_id=episode.pk, ended_at__isnull=True)
        .order_by()
        .values_list("user_id", flat=True)
    )
    return policies.EpisodeFacts(
        episode.pk, episode.municipality_id, episode.owner_unit_id, episode.status, members
    )


def _visible(actor: Actor) -> QuerySet[Episode]:
    return Episode.objects.filter(policies.episodes_visible_to(actor))


def _episode_row(*, actor: Actor, episode_id: UUID) -> Episode:
    episode = (
        Episode.objects.filter(pk=episode_id, municipality_id=actor.tenant_id)
        .select_related("episode_type", "child", "owner_unit", "referring_school")
        .order_by()
        .first()
    )
    if episode is None:
        raise NotFound
    return episode


def episode_get(*, actor: Actor, episode_id: UUID) -> tuple[Episode, policies.EpisodeFacts]:
    """The episode if the actor may see it; NotFound otherwise, as if it did not exist."""
    episode = _episode_row(actor=actor, episode_id=episode_id)
    facts = episode_facts(episode)
    if not policies.can_view_episode(actor, facts):
        raise NotFound
    return episode, facts


def episode_get_for_update(
    *, actor: Actor, episode_id: UUID
) -> tuple[Episode, policies.EpisodeFacts]:
    """The episode locked for the rest of the transaction (lock order: episode before members)."""
    episode = (
        Episode.objects.select_for_update(no_key=True)
        .filter(pk=episode_id, municipality_id=actor.tenant_id)
        .first()
    )
    if episode is None:
        raise NotFound
    facts = episode_facts(episode)
    if not policies.can_view_episode(actor, facts):
        raise NotFound
    return episode, facts


@dataclass(frozen=True)
class EpisodePage:
    episode: Episode
    facts: policies.EpisodeFacts
    subjects: tuple[EpisodeSubject, ...]
    members: tuple[EpisodeMember, ...]
    outcomes: dict[str, EpisodeOutcome]
    past_limit: bool
    age: int


def episode_page(*, actor: Actor, episode_id: UUID) -> EpisodePage:
    """Everything the episode page shows (four queries whatever the number of members): the
    active members, with their users, are the facts the policy decides on as well."""
    episode = _episode_row(actor=actor, episode_id=episode_id)
    members = tuple(
        EpisodeMember.objects.filter(episode_id=episode.pk, ended_at__isnull=True)
        .select_related("user")
        .order_by("-is_lead", "created_at", "pk")
    )
    facts = policies.EpisodeFacts(
        episode.pk,
        episode.municipality_id,
        episode.owner_unit_id,
        episode.status,
        frozenset(m.user_id for m in members),
    )
    if not policies.can_view_episode(actor, facts):
        raise NotFound
    subjects = tuple(
        EpisodeSubject.objects.filter(episode_id=episode.pk)
        .select_related("child", "adult")
        .only(
            "id",
            "episode_id",
            "child__id",
            "child__given_name",
            "child__family_name",
            "child__birth_date",
            "adult__id",
            "adult__given_name",
            "adult__family_name",
        )
        .order_by("created_at", "pk")
    )
    outcomes = {o.phase: o for o in EpisodeOutcome.objects.filter(episode_id=episode.pk)}
    today = timezone.localdate()
    return EpisodePage(
        episode,
        facts,
        subjects,
        members,
        outcomes,
        rules.is_past_limit(
            status=episode.status, planned_end_on=episode.planned_end_on, today=today
        ),
        age_on(episode.child.birth_date, today),
    )


CASELOAD_FIELDS = (
    "id",
    "status",
    "child_id",
    "child__given_name",
    "child__family_name",
    "child__protection_marking",
    "episode_type__name",
    "owner_unit__name",
    "started_on",
    "planned_end_on",
)


def _rows(qs: QuerySet[Episode], today: datetime.date) -> list[dict[str, Any]]:
    """Rows ready for the template: past-limit and due flags, the link, the planned end and
    the status tag computed once here, so the page does no per-row tag or filter work."""
    due = today + datetime.timedelta(days=DUE_WITHIN_DAYS)
    url = reverse("support:episode", args=[_ZERO]).replace(str(_ZERO), "{}")
    past_limit = ("red", _("Över tidsgränsen"))
    is_due = ("yellow", _("Slutar snart"))
    states = {
        Episode.Status.REQUESTED: ("", _("Förfrågan")),
        Episode.Status.ACCEPTED: ("", _("Antagen, inte startad")),
    }
    running = ("", _("Pågår"))
    rows = []
    for row in qs.values(*CASELOAD_FIELDS):
        end = row["planned_end_on"]
        row["past_limit"] = rules.is_past_limit(
            status=row["status"], planned_end_on=end, today=today
        )
        row["is_due"] = (
            row["status"] == Episode.Status.ACTIVE and end is not None and today <= end <= due
        )
        row["child_name"] = f"{row['child__given_name']} {row['child__family_name']}"
        row["child_protected"] = row["child__protection_marking"] != ProtectionMarking.NONE
        row["url"] = url.format(row["id"])
        row["end"] = end.strftime("%Y-%m-%d") if end is not None else "–"
        row["tag"], row["state"] = (
            past_limit
            if row["past_limit"]
            else is_due
            if row["is_due"]
            else states.get(row["status"], running)
        )
        rows.append(row)
    return rows


def caseload(*, actor: Actor, limit: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """The actor's own caseload: the open episodes they are an active member of, the ones
    past their limit and closest to their planned end first."""
    today = timezone.localdate()
    qs = (
        _visible(actor)
        .filter(
            status__in=(Episode.Status.ACCEPTED, Episode.Status.ACTIVE),
            members__user_id=actor.user_id,
            members__ended_at__isnull=True,
        )
        .order_by("planned_end_on", "pk")[:limit]
    )
    rows = _rows(qs, today)
    rows.sort(key=lambda r: (not r["past_limit"], not r["is_due"]))
    return rows


@dataclass(frozen=True)
class Board:
    requests: list[dict[str, Any]]
    past_limit: list[dict[str, Any]]
    past_limit_count: int
    load: list[dict[str, Any]]  # member, open episodes


def board(*, actor: Actor, limit: int = PAGE_SIZE) -> Board:
    """The work lead's board for their teams (R0.7): requests waiting, episodes past their
    limit (counted), and each member's load."""
    teams = actor.unit_ids_for({Role.WORK_LEAD})
    today = timezone.localdate()
    mine = _visible(actor).filter(owner_unit_id__in=teams)
    requests = _rows(
        mine.filter(status=Episode.Status.REQUESTED).order_by("created_at", "pk")[:limit], today
    )
    late = mine.filter(status=Episode.Status.ACTIVE, planned_end_on__lt=today)
    past = _rows(late.order_by("planned_end_on", "pk")[:limit], today)
    load = list(
        EpisodeMember.objects.filter(
            episode__owner_unit_id__in=teams,
            episode__municipality_id=actor.tenant_id,
            episode__status__in=(Episode.Status.ACCEPTED, Episode.Status.ACTIVE),
            ended_at__isnull=True,
        )
        .values("user_id", "user__first_name", "user__last_name")
        .annotate(
            open=Count("id"),
            late=Count(
                "id",
                filter=Q(episode__status=Episode.Status.ACTIVE, episode__planned_end_on__lt=today),
            ),
        )
        .order_by("-open", "user__last_name", "user_id")[:limit]
    )
    return Board(requests, past, late.count() if len(past) >= limit else len(past), load)


def team_members(*, team_id: UUID) -> list[tuple[User, str]]:
    """The team's staff today with their profession, for assignment."""
    rows = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit_id=team_id, role__in=TEAM_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    seen: dict[UUID, tuple[User, str]] = {}
    for row in rows:
        seen.setdefault(row.user_id, (row.user, row.role))
    return list(seen.values())


def active_members(*, episode_id: UUID) -> list[tuple[User, str]]:
    """The episode's active members with their profession, lead first."""
    rows = (
        EpisodeMember.objects.filter(episode_id=episode_id, ended_at__isnull=True)
        .select_related("user")
        .order_by("-is_lead", "created_at", "pk")
    )
    return [(m.user, m.role) for m in rows]


def subject_names(*, episode: Episode) -> tuple[dict[UUID, str], dict[UUID, str]]:
    """Names of the episode's children and adults, for what is missing."""
    children: dict[UUID, str] = {}
    adults: dict[UUID, str] = {}
    for s in EpisodeSubject.objects.filter(episode_id=episode.pk).select_related("child", "adult"):
        if s.child is not None:
            children[s.child.pk] = s.child.full_name
        elif s.adult is not None:
            adults[s.adult.pk] = f"{s.adult.given_name} {s.adult.family_name}"
    return children, adults


def service_consent_facts(*, child_ids: list[UUID]) -> tuple[rules.ServiceConsentFact, ...]:
    """The consents of the episode's children with their state today (consent.rules)."""
    facts: list[rules.ServiceConsentFact] = []
    for child in Child.objects.filter(pk__in=child_ids).order_by("pk"):
        for view in consent_selectors.consent_views_for_child(child=child):
            adults = frozenset(
                p.guardian_id
                for p in view.parties
                if p.kind == ConsentParty.Kind.ADULT
                and p.answer == ConsentParty.Answer.GIVEN
                and p.withdrawn_at is None
                and p.guardian_id is not None
            )
            facts.append(
                rules.ServiceConsentFact(
                    view.consent.pk,
                    child.pk,
                    view.consent.purpose,
                    frozenset(u.pk for u in view.consent.units.all()),
                    view.status.in_force,
                    adults,
                )
            )
    return tuple(facts)


@dataclass(frozen=True)
class AdultConsents:
    """Where a family episode's adults consent for their own part: the child's consent to the
    service in force that names the team (None: record that first), and who has given it."""

    consent_id: UUID | None
    adults: tuple[tuple[UUID, str, bool], ...]  # adult id, name, has given

    @property
    def missing(self) -> list[tuple[UUID, str]]:
        return [(pk, name) for pk, name, given in self.adults if not given]


def adult_consents(*, episode: Episode, adults: dict[UUID, str] | None = None) -> AdultConsents:
    """The adults of the episode and their own consent, on the episode child's consent of the
    type's purpose in force naming the team (rules.service_consent decides the same way).
    `adults`: the subjects' adults when the caller has them already (the episode page)."""
    if adults is None:
        _children, adults = subject_names(episode=episode)
    if not adults:
        return AdultConsents(None, ())
    usable = [
        f
        for f in service_consent_facts(child_ids=[episode.child_id])
        if f.purpose == episode.episode_type.consent_purpose
        and f.in_force
        and episode.owner_unit_id in f.unit_ids
    ]
    given = frozenset().union(*(f.adults_given for f in usable)) if usable else frozenset()
    rows = tuple(
        (pk, name, pk in given) for pk, name in sorted(adults.items(), key=lambda kv: kv[1])
    )
    return AdultConsents(usable[0].consent_id if usable else None, rows)


def family_adults(*, child: Child) -> list[Guardian]:
    """The adults of the child's family as registered (its guardians)."""
    return list(
        Guardian.objects.filter(guardianships__child_id=child.pk)
        .order_by("family_name", "given_name", "pk")
        .distinct()
    )


def child_caseload(*, child_id: UUID) -> tuple[frozenset[UUID], frozenset[UUID]]:
    """The caseload relation of the child policies (issue 12, 5), in one query: the teams with
    an open episode about the child, and the active members of its running episodes. An ended
    or declined episode gives nothing, so access from an episode ends with it."""
    teams: set[UUID] = set()
    members: set[UUID] = set()
    rows = (
        EpisodeSubject.objects.filter(child_id=child_id, episode__status__in=Episode.OPEN_STATUSES)
        .order_by()
        .values_list(
            "episode__owner_unit_id",
            "episode__status",
            "episode__members__user_id",
            "episode__members__ended_at",
        )
    )
    for team_id, status, user_id, ended_at in rows:
        teams.add(team_id)
        if status == Episode.Status.ACTIVE and user_id is not None and ended_at is None:
            members.add(user_id)
    return frozenset(teams), frozenset(members)


@dataclass(frozen=True)
class TeamContact:
    """A team that has a member responsible for the school (R2.8), and that member."""

    team_id: UUID
    team_name: str
    school_id: UUID
    member_id: UUID
    member_name: str


def contact_teams(*, municipality_id: UUID, school_ids: frozenset[UUID]) -> list[TeamContact]:
    """The teams with a school-responsible member for one of the schools, by team name."""
    rows = (
        TeamSchoolContact.objects.filter(
            municipality_id=municipality_id,
            school_id__in=school_ids,
            team__valid_to__isnull=True,
        )
        .select_related("team", "member")
        .order_by("team__name", "school_id", "pk")
    )
    return [
        TeamContact(
            r.team_id,
            r.team.name,
            r.school_id,
            r.member_id,
            r.member.get_full_name() or r.member.username,
        )
        for r in rows
    ]


SENT_FIELDS = (
    "id",
    "status",
    "created_at",
    "decided_at",
    "decline_reason",
    "child__given_name",
    "child__family_name",
    "child__protection_marking",
    "owner_unit__name",
    "referring_school__name",
)


def sent_requests(*, actor: Actor, limit: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """The requests the actor's schools sent to teams (R2.8), newest first: status and a
    decline's reason only, nothing of the episode's content."""
    rows = list(
        Episode.objects.filter(policies.sent_requests_visible_to(actor))
        .order_by("-created_at", "pk")
        .values(*SENT_FIELDS, "child_id")[:limit]
    )
    for row in rows:
        row["child_name"] = f"{row['child__given_name']} {row['child__family_name']}"
        row["child_protected"] = row["child__protection_marking"] != ProtectionMarking.NONE
    return rows

"""The demo's support episodes (issue 12): every type and state. Each child a team has written
about is in an open episode of that team (the caseload is the episode); a share of other
children of the right ages have ended or declined episodes. Written with bulk_create."""

import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from uuid import UUID

from django.db.models import Min

from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import Role
from samverkan.children.models import Child, Note
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.models import Unit
from samverkan.support.models import (
    Episode,
    EpisodeMember,
    EpisodeOutcome,
    EpisodeSubject,
    EpisodeType,
)
from samverkan.support.services import episode_types_ensure
from samverkan.support.types import FAMILY, FOSTER_CARE, INTENSIVE, NETWORK

from . import data

BATCH_SIZE = 2000
CLOSED_SHARE = 0.3  # ended or declined episodes, per open one
MIN_OPEN = 12
TRI = ("yes", "partly", "no", "unknown")


def build_support(
    *,
    rng: random.Random,
    new_id: Callable[[], UUID],
    municipality_id: UUID,
    units: dict[str, Unit],
    today: datetime.date,
    now: datetime.datetime,
) -> int:
    """Episodes of the two demo teams; returns how many were written."""
    episode_types_ensure(municipality_id=municipality_id)
    types = {t.code: t for t in EpisodeType.objects.filter(municipality_id=municipality_id)}
    school_team, family_team = units[data.SCHOOL_SOCIAL_TEAM], units[data.FAMILY_TEAM]
    staff: dict[tuple[UUID, str], list[User]] = defaultdict(list)
    for a in (
        RoleAssignment.objects.filter(unit__in=[school_team, family_team])
        .select_related("user")
        .order_by("user__username")
    ):
        staff[a.unit_id, a.role].append(a.user)
    # Open episodes: the children each team has written about, from its first note.
    firsts = (
        Note.objects.filter(
            municipality_id=municipality_id,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            owner_unit__in=[school_team, family_team],
        )
        .values("child_id", "owner_unit_id")
        .annotate(first=Min("created_at"))
        .order_by("child_id", "owner_unit_id")
    )
    schools = dict(
        Child.objects.filter(municipality_id=municipality_id, enrolments__valid_to__isnull=True)
        .order_by()
        .values_list("pk", "enrolments__school_id")
    )
    plans: list[tuple[UUID, Unit, str, datetime.date]] = []
    for row in firsts:
        team = school_team if row["owner_unit_id"] == school_team.pk else family_team
        plans.append((row["child_id"], team, "", row["first"].date()))
    opened = {child_id for child_id, *_ in plans}
    # Ended and declined episodes for other children of 7–15.
    young = today.replace(year=today.year - 7)
    old = today.replace(year=today.year - 16)
    # A small demo has few notes: enough open episodes that every state shows (MIN_OPEN).
    extra = max(0, MIN_OPEN - len(plans))
    others = list(
        Child.objects.filter(
            municipality_id=municipality_id, birth_date__lte=young, birth_date__gt=old
        )
        .exclude(pk__in=opened)
        .order_by("pk")
        .values_list("pk", flat=True)[: extra + max(4, int(len(plans) * CLOSED_SHARE))]
    )
    for i, child_id in enumerate(others[:extra]):
        team = school_team if i % 2 else family_team
        plans.append((child_id, team, "", today - datetime.timedelta(days=rng.randint(10, 60))))
    for i, child_id in enumerate(others[extra:]):
        team = school_team if i % 2 else family_team
        closed: str = Episode.Status.DECLINED if i % 5 == 0 else Episode.Status.ENDED
        plans.append(
            (child_id, team, closed, today - datetime.timedelta(days=rng.randint(60, 400)))
        )
    episodes: list[Episode] = []
    subjects: list[EpisodeSubject] = []
    members: list[EpisodeMember] = []
    outcomes: list[EpisodeOutcome] = []
    per_team: dict[UUID, int] = defaultdict(int)
    for index, (child_id, team, state, since) in enumerate(plans):
        is_school = team.pk == school_team.pk
        # Counted per team, so even a small demo holds every type of both teams.
        n = per_team[team.pk]
        per_team[team.pk] += 1
        if is_school:
            code = FOSTER_CARE if n % 9 == 1 else INTENSIVE
        else:
            code = NETWORK if n % 3 == 1 else FAMILY
        episode_type = types[code]
        status: str = state or _open_status(index)
        started = since if status in (Episode.Status.ACTIVE, Episode.Status.ENDED) else None
        if status == Episode.Status.ACTIVE and is_school and code == INTENSIVE and n % 7 == 2:
            started = today - datetime.timedelta(weeks=14)  # past its 12 weeks
        weeks = episode_type.weeks_limit
        planned = started + datetime.timedelta(weeks=weeks) if started and weeks else None
        ended = None
        if status == Episode.Status.ENDED and started is not None:
            ended = min(today, started + datetime.timedelta(weeks=weeks or 20))
        ep = Episode(
            id=new_id(),
            municipality_id=municipality_id,
            child_id=child_id,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            category=RecordCategory.SOCIAL_SITUATION,
            owner_unit=team,
            episode_type=episode_type,
            subject_kind=(
                Episode.SubjectKind.FAMILY
                if episode_type.is_family_work
                else Episode.SubjectKind.CHILD
            ),
            status=status,
            source=(Episode.Source.INTAKE_HANDOVER, Episode.Source.PRINCIPAL_CONTACT)[index % 2],
            referring_school_id=schools.get(child_id),
            request_note="Skolan ser behov av samordnat stöd i skolan och hemma.",
            decline_reason=(
                "Familjen passar bättre för familjeteamet." if status == "declined" else ""
            ),
            started_on=started,
            planned_end_on=planned,
            ended_on=ended,
            end_reason=Episode.EndReason.GOALS_REACHED if ended else "",
            created_at=now - datetime.timedelta(days=(today - since).days),
        )
        episodes.append(ep)
        subjects.append(EpisodeSubject(id=new_id(), episode=ep, child_id=child_id))
        if status in (Episode.Status.ACCEPTED, Episode.Status.ACTIVE, Episode.Status.ENDED):
            for n, role in enumerate(episode_type.professions):
                people = staff.get((team.pk, role)) or []
                if not people:
                    continue
                user = people[index % len(people)]
                members.append(
                    EpisodeMember(
                        id=new_id(),
                        episode=ep,
                        user=user,
                        role=role,
                        organisation=(
                            EpisodeMember.Organisation.EDUCATION
                            if role == Role.TEAM_TEACHER
                            else EpisodeMember.Organisation.SOCIAL_SERVICES
                        ),
                        is_lead=n == 0,
                        assigned_by=user,
                        ended_at=now if status == Episode.Status.ENDED else None,
                    )
                )
        for phase in _phases(status):
            outcomes.append(
                EpisodeOutcome(
                    id=new_id(),
                    episode=ep,
                    phase=phase,
                    eligible_upper_secondary=rng.choice(TRI),
                    attendance_percent=rng.randint(40, 100),
                    family_rating=rng.randint(1, 5),
                    adults_work_or_study=rng.choice(TRI),
                    goals_reached=rng.choice(TRI) if phase == "end" else "unknown",
                    recorded_by=members[-1].user if members else _any(staff),
                )
            )
    Episode.objects.bulk_create(episodes, batch_size=BATCH_SIZE)
    EpisodeSubject.objects.bulk_create(subjects, batch_size=BATCH_SIZE)
    EpisodeMember.objects.bulk_create(members, batch_size=BATCH_SIZE)
    EpisodeOutcome.objects.bulk_create(outcomes, batch_size=BATCH_SIZE)
    return len(episodes)


def _open_status(index: int) -> str:
    """Most open episodes run; some wait for the work lead or to start."""
    if index % 11 == 0:
        return Episode.Status.REQUESTED
    if index % 11 == 1:
        return Episode.Status.ACCEPTED
    return Episode.Status.ACTIVE


def _phases(status: str) -> tuple[str, ...]:
    if status == Episode.Status.ACTIVE:
        return ("start",)
    if status == Episode.Status.ENDED:
        return ("start", "end")
    return ()


def _any(staff: dict[tuple[UUID, str], list[User]]) -> User:
    return next(u for people in staff.values() for u in people)

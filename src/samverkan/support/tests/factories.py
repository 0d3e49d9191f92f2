"""Factories for support episodes."""

import datetime
from typing import Any

from django.utils import timezone

from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.support.models import Episode, EpisodeMember, EpisodeSubject, EpisodeType
from samverkan.support.services import episode_types_ensure


def episode_type(municipality: Any, code: str = "intensive_school_social") -> EpisodeType:
    episode_types_ensure(municipality_id=municipality.pk)
    return EpisodeType.objects.get(municipality=municipality, code=code)


def episode(
    *,
    child: Any,
    team: Any,
    status: str = Episode.Status.ACTIVE,
    members: tuple[tuple[Any, str], ...] = (),
    code: str = "intensive_school_social",
    started_on: datetime.date | None = None,
    planned_end_on: datetime.date | None = None,
    referring_school: Any = None,
    created_by: Any = None,
) -> Episode:
    """An episode of `team` about `child` with (user, role) members."""
    today = timezone.localdate()
    running = status in (Episode.Status.ACTIVE, Episode.Status.ENDED)
    made = Episode.objects.create(
        municipality=child.municipality,
        child=child,
        domain=SecrecyDomain.SOCIAL_SERVICES,
        category=RecordCategory.SOCIAL_SITUATION,
        owner_unit=team,
        created_by=created_by,
        episode_type=episode_type(child.municipality, code),
        status=status,
        source=Episode.Source.INTAKE_HANDOVER,
        referring_school=referring_school,
        started_on=started_on or (today - datetime.timedelta(weeks=2) if running else None),
        planned_end_on=planned_end_on
        or (today + datetime.timedelta(weeks=10) if running else None),
    )
    EpisodeSubject.objects.create(episode=made, child=child)
    for user, role in members:
        EpisodeMember.objects.create(
            episode=made,
            user=user,
            role=role,
            organisation=(
                EpisodeMember.Organisation.EDUCATION
                if role == "team_teacher"
                else EpisodeMember.Organisation.SOCIAL_SERVICES
            ),
            assigned_by=user,
        )
    return made

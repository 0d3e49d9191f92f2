"""The support world: the shared world plus a work lead and a team teacher in the team, a work
lead and a family coordinator in the other team, and episodes in every state."""

import datetime
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import staff
from samverkan.organisations.models import Unit
from samverkan.organisations.tests.factories import UnitFactory
from samverkan.support.models import Episode
from samverkan.support.tests.factories import episode


@dataclass
class SupportWorld:
    world: Any
    users: dict[str, Any]
    episodes: dict[str, Episode]
    consent_team: Any


@pytest.fixture
def sw(world: Any) -> SupportWorld:
    w = world
    # A joint team whose teachers read by consent (R0.6, Unit.joint_basis = consent).
    consent_team = UnitFactory(
        municipality=w.a,
        parent=w.social_admin,
        name="Nätverksteamet",
        kind=Unit.Kind.TEAM,
        joint_basis=Unit.JointBasis.CONSENT,
    )
    w.team.joint_basis = Unit.JointBasis.SINGLE_AUTHORITY
    w.team.save(update_fields=["joint_basis"])
    users = {
        **w.users,
        "work_lead": staff(Role.WORK_LEAD, w.team, username="gruppledare"),
        "team_teacher": staff(Role.TEAM_TEACHER, w.team, username="teamlarare"),
        "team_worker2": staff(Role.TEAM_SOCIAL_WORKER, w.team, username="team2"),
        "other_lead": staff(Role.WORK_LEAD, w.other_team, username="gruppledare2"),
        "consent_teacher": staff(Role.TEAM_TEACHER, consent_team, username="natlarare"),
        "consent_worker": staff(Role.NETWORK_WORKER, consent_team, username="natverk"),
    }
    tw, tt = users["team_worker"], users["team_teacher"]
    members = ((tw, Role.TEAM_SOCIAL_WORKER), (tt, Role.TEAM_TEACHER))
    episodes = {
        # The shared world's running episode of the team about child1 (team_worker a member).
        "active": Episode.objects.get(child=w.child1, owner_unit=w.team),
        "requested": episode(child=w.child2, team=w.team, status=Episode.Status.REQUESTED),
        "accepted": episode(
            child=w.protected, team=w.team, status=Episode.Status.ACCEPTED, members=members
        ),
        "ended": episode(child=w.child2, team=w.team, status=Episode.Status.ENDED, members=members),
        "other_team": episode(
            child=w.protected,
            team=w.other_team,
            members=((w.users["family_coordinator"], Role.FAMILY_COORDINATOR),),
            code="family_coordination",
        ),
        "consent_team": episode(
            child=w.child2,
            team=consent_team,
            code="network_work",
            members=(
                (users["consent_teacher"], Role.TEAM_TEACHER),
                (users["consent_worker"], Role.NETWORK_WORKER),
            ),
        ),
        "other_tenant": episode(child=w.child_b, team=UnitFactory(municipality=w.b)),
    }
    from samverkan.support.models import EpisodeMember

    EpisodeMember.objects.create(
        episode=episodes["active"],
        user=tt,
        role=Role.TEAM_TEACHER,
        organisation=EpisodeMember.Organisation.EDUCATION,
        assigned_by=tt,
    )
    return SupportWorld(w, users, episodes, consent_team)


@pytest.fixture
def frozen() -> Any:
    """Freeze the local date (and now) at a given day: `frozen(day)` as a context manager."""

    def at(day: datetime.date) -> Any:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
        patches = [
            mock.patch("django.utils.timezone.localdate", return_value=day),
            mock.patch("django.utils.timezone.now", return_value=moment),
        ]

        class Frozen:
            def __enter__(self) -> None:
                for p in patches:
                    p.start()

            def __exit__(self, *exc: object) -> None:
                for p in patches:
                    p.stop()

        return Frozen()

    return at

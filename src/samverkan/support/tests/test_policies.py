"""The support policies as a matrix: (user, episode, expected), each row checking the decision
and its Q twin; then who may decide, assign, start, end and record outcomes."""

from typing import Any

import pytest

from samverkan.access.tests.factories import actor_of
from samverkan.children import policies as child_policies
from samverkan.children import selectors as child_selectors
from samverkan.children.models import Child
from samverkan.support import policies, selectors
from samverkan.support.models import Episode

# Rows: user, episode, may view, why.
VIEW_MATRIX = [
    # The team's staff share one caseload (R0.6), whatever state the episode is in.
    *[
        (u, e, True, "own team")
        for u in ("work_lead", "team_worker", "team_worker2")
        for e in ("active", "requested", "accepted", "ended")
    ],
    # A teacher of a one-authority team works within its records (joint_basis).
    *[
        (("team_teacher"), e, True, "one authority")
        for e in ("active", "requested", "accepted", "ended")
    ],
    *[
        (u, e, False, "other team")
        for u in ("work_lead", "team_worker", "team_teacher")
        for e in ("other_team", "consent_team")
    ],
    # Other team: its own episode only.
    ("family_coordinator", "other_team", True, "own team"),
    ("family_coordinator", "active", False, "other team"),
    ("other_lead", "other_team", True, "own team"),
    ("other_lead", "requested", False, "other team"),
    # A teacher of a team working by consent: only running episodes they are a member of.
    ("consent_teacher", "consent_team", True, "member while it runs"),
    ("consent_teacher", "active", False, "not a member"),
    ("consent_worker", "consent_team", True, "own team"),
    # The unit head over the teams sees their records (R0.7 joint management).
    ("unit_head", "active", True, "subtree"),
    ("unit_head", "consent_team", True, "subtree"),
    # School staff and intake never open an episode (social services' record, OSL 26 kap. 1 §).
    *[
        (u, e, False, "school or intake")
        for u in ("principal", "teacher", "counsellor", "nurse", "intake")
        for e in ("active", "requested", "ended")
    ],
    # Governance roles and the other tenant.
    *[(u, "active", False, "governance") for u in ("steering", "admin", "log_reviewer")],
    ("principal_b", "other_tenant", False, "no support role"),
    *[
        (u, "other_tenant", False, "other tenant")
        for u in ("work_lead", "team_worker", "unit_head")
    ],
]


@pytest.mark.parametrize(
    ("user", "key", "expected"),
    [pytest.param(u, e, x, id=f"{u}-{e}-{why}") for u, e, x, why in VIEW_MATRIX],
)
def test_episode_visibility_matrix(sw: Any, user: str, key: str, expected: bool) -> None:
    actor = actor_of(sw.users[user])
    ep = sw.episodes[key]

    decision = policies.can_view_episode(actor, selectors.episode_facts(ep))
    by_filter = Episode.objects.filter(policies.episodes_visible_to(actor), pk=ep.pk).exists()

    assert decision.allowed is expected
    assert by_filter is expected


def test_decision_and_filter_agree_for_every_user_and_episode(sw: Any) -> None:
    disagreements = [
        (user, key)
        for user, u in sw.users.items()
        for key, ep in sw.episodes.items()
        if policies.can_view_episode(actor_of(u), selectors.episode_facts(ep)).allowed
        is not Episode.objects.filter(policies.episodes_visible_to(actor_of(u)), pk=ep.pk).exists()
    ]

    assert disagreements == []


def test_an_actor_who_sees_no_episode_is_told_so_without_a_query(sw: Any) -> None:
    blind = [user for user, u in sw.users.items() if not policies.sees_episodes(actor_of(u))]
    for user in blind:
        actor = actor_of(sw.users[user])
        matching = Episode.objects.filter(
            policies.episodes_visible_to(actor) | policies.episode_endings_told_to(actor)
        )
        assert not matching.exists(), user
    assert "teacher" in blind


# Rows: user, action, episode, expected, why.
ACTION_MATRIX = [
    # Accept / decline: the team's work lead, on a request only (R0.7).
    ("work_lead", "decide", "requested", True, "work lead"),
    ("work_lead", "decide", "accepted", False, "not a request"),
    ("team_worker", "decide", "requested", False, "not the work lead"),
    ("team_teacher", "decide", "requested", False, "not the work lead"),
    ("other_lead", "decide", "requested", False, "work lead of another team"),
    ("unit_head", "decide", "requested", False, "heads oversee, the work lead decides"),
    ("principal", "decide", "requested", False, "school"),
    ("intake", "decide", "requested", False, "intake"),
    # Assign members: the work lead, while accepted or running.
    ("work_lead", "assign", "accepted", True, "work lead"),
    ("work_lead", "assign", "active", True, "work lead"),
    ("work_lead", "assign", "ended", False, "ended"),
    ("work_lead", "assign", "requested", False, "not yet accepted"),
    ("team_worker", "assign", "active", False, "not the work lead"),
    ("other_lead", "assign", "active", False, "other team"),
    # Start: an assigned member carrying the treatment, or the work lead (R0.5).
    ("team_worker", "start", "accepted", True, "member social worker"),
    ("work_lead", "start", "accepted", True, "work lead"),
    ("team_teacher", "start", "accepted", False, "teachers own school goals only"),
    ("team_worker2", "start", "accepted", False, "not a member"),
    ("team_worker", "start", "active", False, "already running"),
    ("family_coordinator", "start", "accepted", False, "other team"),
    ("counsellor", "start", "accepted", False, "school"),
    # End: the same, on a running episode.
    ("team_worker", "end", "active", True, "member social worker"),
    ("work_lead", "end", "active", True, "work lead"),
    ("team_teacher", "end", "active", False, "teachers own school goals only"),
    ("team_worker2", "end", "active", False, "not a member"),
    ("team_worker", "end", "ended", False, "already ended"),
    ("unit_head", "end", "active", False, "head oversees"),
    ("principal", "end", "active", False, "school"),
    # Outcomes: any member, teachers included, or the work lead; running episodes only.
    ("team_teacher", "outcome", "active", True, "teacher member"),
    ("team_worker", "outcome", "active", True, "member"),
    ("work_lead", "outcome", "active", True, "work lead"),
    ("team_worker2", "outcome", "active", False, "not a member"),
    ("team_teacher", "outcome", "ended", False, "ended"),
    ("consent_teacher", "outcome", "consent_team", True, "member by consent"),
    ("consent_teacher", "outcome", "active", False, "other team"),
    ("teacher", "outcome", "active", False, "school teacher"),
    ("principal_b", "outcome", "active", False, "other tenant"),
    ("work_lead", "outcome", "other_tenant", False, "other tenant"),
]
ACTIONS = {
    "decide": policies.can_decide_request,
    "assign": policies.can_assign_members,
    "start": policies.can_start_episode,
    "end": policies.can_end_episode,
    "outcome": policies.can_record_outcome,
}


@pytest.mark.parametrize(
    ("user", "action", "key", "expected"),
    [pytest.param(u, a, e, x, id=f"{u}-{a}-{e}-{why}") for u, a, e, x, why in ACTION_MATRIX],
)
def test_who_may_record_matrix(sw: Any, user: str, action: str, key: str, expected: bool) -> None:
    actor = actor_of(sw.users[user])

    decision = ACTIONS[action](actor, selectors.episode_facts(sw.episodes[key]))

    assert decision.allowed is expected


@pytest.mark.parametrize(
    ("user", "board", "caseload"),
    [
        ("work_lead", True, True),
        ("other_lead", True, True),
        ("team_worker", False, True),
        ("team_teacher", False, True),
        ("consent_teacher", False, True),
        ("unit_head", False, False),
        ("intake", False, False),
        ("principal", False, False),
        ("counsellor", False, False),
        ("steering", False, False),
    ],
)
def test_who_sees_the_board_and_a_caseload(sw: Any, user: str, board: bool, caseload: bool) -> None:
    actor = actor_of(sw.users[user])

    assert policies.can_view_board(actor).allowed is board
    assert policies.can_view_caseload(actor).allowed is caseload


# The child policies' caseload relation comes from episodes (issue 12, 5).
CASELOAD_MATRIX = [
    ("team_worker", "child1", True, "running episode of the team"),
    ("team_worker", "protected", True, "accepted episode of the team"),
    ("team_worker", "child2", True, "request to the team"),
    ("team_teacher", "child1", True, "one authority"),
    ("family_coordinator", "protected", True, "running episode of the other team"),
    ("family_coordinator", "child1", False, "no episode of that team"),
    ("consent_teacher", "child2", True, "member of a running episode"),
    ("consent_teacher", "child1", False, "not a member"),
    ("consent_worker", "child2", True, "own team"),
    ("principal_b", "child_b", True, "own school"),
    ("work_lead", "child_b", False, "other tenant"),
]


@pytest.mark.parametrize(
    ("user", "child", "expected"),
    [pytest.param(u, c, x, id=f"{u}-{c}-{why}") for u, c, x, why in CASELOAD_MATRIX],
)
def test_child_caseload_comes_from_episodes(sw: Any, user: str, child: str, expected: bool) -> None:
    actor = actor_of(sw.users[user])
    subject = getattr(sw.world, child)

    decision = child_policies.can_view_child(actor, child_selectors.child_relation(child=subject))
    by_filter = Child.objects.filter(
        child_policies.children_visible_to(actor), pk=subject.pk
    ).exists()

    assert decision.allowed is expected
    assert by_filter is expected


def test_an_ended_episode_ends_the_access_it_gave(sw: Any) -> None:
    # Given the consent-basis teacher sees child2 through the running episode
    actor = actor_of(sw.users["consent_teacher"])
    ep = sw.episodes["consent_team"]
    assert child_policies.can_view_child(actor, child_selectors.child_relation(child=ep.child))

    # When the episode ends
    ep.status = Episode.Status.ENDED
    ep.save(update_fields=["status"])

    # Then the child and the episode are out of reach, by decision and by filter
    relation = child_selectors.child_relation(child=ep.child)
    assert not child_policies.can_view_child(actor, relation)
    assert not Child.objects.filter(
        child_policies.children_visible_to(actor), pk=ep.child_id
    ).exists()
    assert not policies.can_view_episode(actor, selectors.episode_facts(ep))


@pytest.mark.parametrize(
    ("user", "referred", "ended", "expected"),
    [
        # The referring school's principal is told that the support ended (issue 12, 7).
        ("principal", True, True, True),
        ("principal", True, False, False),
        ("principal", False, True, False),
        # Nobody else at the school, another school, the other tenant.
        ("teacher", True, True, False),
        ("counsellor", True, True, False),
        ("principal2", True, True, False),
        ("principal_b", True, True, False),
        ("intake", True, True, False),
    ],
)
def test_who_is_told_that_an_episode_ended(
    sw: Any, user: str, referred: bool, ended: bool, expected: bool
) -> None:
    ep = sw.episodes["ended" if ended else "requested"]
    Episode.objects.filter(pk=ep.pk).update(referring_school=sw.world.school1 if referred else None)
    ep.refresh_from_db()
    actor = actor_of(sw.users[user])

    decision = policies.can_know_episode_ended(
        actor,
        municipality_id=ep.municipality_id,
        referring_school_id=ep.referring_school_id,
        status=ep.status,
    )
    by_filter = Episode.objects.filter(policies.episode_endings_told_to(actor), pk=ep.pk).exists()

    assert decision.allowed is expected
    assert by_filter is expected

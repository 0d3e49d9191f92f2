"""The children policy matrix (STYLE P4, Tests).

Each row names a user of the shared `world` (conftest.py), an object and the expected answer, and
checks both the pure decision and its `Q` twin, so the rule cannot drift between the page that
decides on one child and the list that filters many.
"""

import uuid
from typing import Any

import pytest

from samverkan.access.actor import Actor, Grant
from samverkan.access.roles import Role
from samverkan.access.tests.factories import actor_of
from samverkan.children import policies, selectors
from samverkan.children.models import Child, Note
from samverkan.children.policies import RecordRef
from samverkan.children.tests.factories import NoteFactory
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.tests.factories import UnitFactory

USERS = (
    "principal",
    "teacher",
    "counsellor",
    "nurse",
    "principal2",
    "intake",
    "team_worker",
    "family_coordinator",
    "unit_head",
    "steering",
    "admin",
    "log_reviewer",
    "principal_b",
)
GOVERNANCE = ("steering", "admin", "log_reviewer")


def record_of(note: Note) -> RecordRef:
    return RecordRef(note.municipality_id, note.domain, note.category, note.owner_unit_id)


def child_visible_by_filter(actor: Actor, child: Child) -> bool:
    return Child.objects.filter(policies.children_visible_to(actor)).filter(pk=child.pk).exists()


def note_visible_by_filter(actor: Actor, note: Note) -> bool:
    return Note.objects.filter(policies.notes_visible_to(actor)).filter(pk=note.pk).exists()


# (user, child, expected visible, relation the row exercises)
CHILD_MATRIX = [
    # School staff see children enrolled at their school today, nobody else.
    ("principal", "child1", True, "own school"),
    ("principal", "protected", True, "own school, protected"),
    ("principal", "child2", False, "ended enrolment at own school, now other school"),
    ("principal", "child_b", False, "other tenant"),
    ("teacher", "child1", True, "own school"),
    ("teacher", "protected", True, "own school, protected"),
    ("teacher", "child2", False, "ended enrolment"),
    ("teacher", "child_b", False, "other tenant"),
    ("counsellor", "child1", True, "own school"),
    ("counsellor", "protected", True, "own school, protected"),
    ("counsellor", "child2", False, "ended enrolment"),
    ("counsellor", "child_b", False, "other tenant"),
    ("nurse", "child1", True, "own school"),
    ("nurse", "protected", True, "own school, protected"),
    ("nurse", "child2", False, "ended enrolment"),
    ("nurse", "child_b", False, "other tenant"),
    ("principal2", "child1", False, "other school"),
    ("principal2", "protected", False, "other school"),
    ("principal2", "child2", True, "own school"),
    ("principal2", "child_b", False, "other tenant"),
    # Intake: every child of the municipality (R1.2, one way in).
    ("intake", "child1", True, "intake remit"),
    ("intake", "child2", True, "intake remit"),
    ("intake", "protected", True, "intake remit"),
    ("intake", "child_b", False, "other tenant"),
    # Team staff: their caseload only.
    ("team_worker", "child1", True, "caseload"),
    ("team_worker", "child2", False, "no relation"),
    ("team_worker", "protected", False, "no relation"),
    ("team_worker", "child_b", False, "other tenant"),
    ("family_coordinator", "child1", False, "record in another team"),
    ("family_coordinator", "child2", False, "no relation"),
    ("family_coordinator", "protected", False, "no relation"),
    ("family_coordinator", "child_b", False, "other tenant"),
    # Unit head of the social administration: the subtree, which includes intake.
    ("unit_head", "child1", True, "subtree incl. intake"),
    ("unit_head", "child2", True, "subtree incl. intake"),
    ("unit_head", "protected", True, "subtree incl. intake"),
    ("unit_head", "child_b", False, "other tenant"),
    # Governance roles never see a child.
    *[
        (user, child, False, "governance role")
        for user in GOVERNANCE
        for child in ("child1", "child2", "protected")
    ],
    *[(user, "child_b", False, "other tenant") for user in GOVERNANCE],
    # The other tenant sees its own child only.
    ("principal_b", "child_b", True, "own school, own tenant"),
    ("principal_b", "child1", False, "other tenant"),
    ("principal_b", "child2", False, "other tenant"),
    ("principal_b", "protected", False, "other tenant"),
]


@pytest.mark.parametrize(
    ("user", "child", "expected"),
    [pytest.param(u, c, e, id=f"{u}-{c}-{why}") for u, c, e, why in CHILD_MATRIX],
)
def test_child_visibility_matrix(world: Any, user: str, child: str, expected: bool) -> None:
    actor = actor_of(world.users[user])
    subject = getattr(world, child)

    decision = policies.can_view_child(actor, selectors.child_relation(child=subject))
    by_filter = child_visible_by_filter(actor, subject)

    assert decision.allowed is expected
    assert by_filter is expected


def test_child_matrix_covers_every_user_and_child() -> None:
    rows = {(u, c) for u, c, _, _ in CHILD_MATRIX}

    assert rows == {(u, c) for u in USERS for c in ("child1", "child2", "child_b", "protected")}


# (user, note, expected readable, relation the row exercises)
NOTE_MATRIX = [
    # School record of school1 about child1.
    ("principal", "school", True, "own school"),
    ("teacher", "school", True, "own school"),
    ("counsellor", "school", True, "own school"),
    ("nurse", "school", True, "own school"),
    ("principal2", "school", False, "other school"),
    ("intake", "school", False, "other domain"),
    ("team_worker", "school", False, "other domain"),
    ("family_coordinator", "school", False, "other domain"),
    ("unit_head", "school", False, "other domain"),
    ("principal_b", "school", False, "other tenant"),
    # Student health of school1: walled off from the teacher (OSL 23 kap. 2 §).
    ("principal", "student_health", True, "student health of own school"),
    ("teacher", "student_health", False, "student health wall"),
    ("counsellor", "student_health", True, "student health of own school"),
    ("nurse", "student_health", True, "student health of own school"),
    ("principal2", "student_health", False, "other school"),
    ("intake", "student_health", False, "other domain"),
    ("team_worker", "student_health", False, "other domain"),
    ("family_coordinator", "student_health", False, "other domain"),
    ("unit_head", "student_health", False, "other domain"),
    ("principal_b", "student_health", False, "other tenant"),
    # The nurse's health-care record (PDL 4 kap.): closed even to the principal and counsellor.
    ("principal", "health_care", False, "patient data wall"),
    ("teacher", "health_care", False, "patient data wall"),
    ("counsellor", "health_care", False, "patient data wall"),
    ("nurse", "health_care", True, "own health-care record"),
    ("principal2", "health_care", False, "other school"),
    ("intake", "health_care", False, "other domain"),
    ("team_worker", "health_care", False, "other domain"),
    ("family_coordinator", "health_care", False, "other domain"),
    ("unit_head", "health_care", False, "other domain"),
    ("principal_b", "health_care", False, "other tenant"),
    # Social-services record of the team about child1 (OSL 26 kap. 1 §).
    ("principal", "social", False, "other domain"),
    ("teacher", "social", False, "other domain"),
    ("counsellor", "social", False, "other domain"),
    ("nurse", "social", False, "other domain"),
    ("principal2", "social", False, "other domain"),
    ("intake", "social", False, "other unit"),
    ("team_worker", "social", True, "own unit"),
    ("family_coordinator", "social", False, "other unit"),
    ("unit_head", "social", True, "unit below the head"),
    ("principal_b", "social", False, "other tenant"),
    # School record of school2 about child2 (who left school1 last year).
    ("principal", "school2", False, "other school, ended enrolment"),
    ("teacher", "school2", False, "other school"),
    ("counsellor", "school2", False, "other school"),
    ("nurse", "school2", False, "other school"),
    ("principal2", "school2", True, "own school"),
    ("intake", "school2", False, "other domain"),
    ("team_worker", "school2", False, "other domain"),
    ("family_coordinator", "school2", False, "other domain"),
    ("unit_head", "school2", False, "other domain"),
    ("principal_b", "school2", False, "other tenant"),
    # Governance roles read no record at all.
    *[
        (user, note, False, "governance role")
        for user in GOVERNANCE
        for note in ("school", "student_health", "health_care", "social", "school2")
    ],
]


@pytest.mark.parametrize(
    ("user", "note", "expected"),
    [pytest.param(u, n, e, id=f"{u}-{n}-{why}") for u, n, e, why in NOTE_MATRIX],
)
def test_note_readability_matrix(world: Any, user: str, note: str, expected: bool) -> None:
    actor = actor_of(world.users[user])
    subject = world.notes[note]

    decision = policies.can_view_record(actor, record_of(subject))
    by_filter = note_visible_by_filter(actor, subject)

    assert decision.allowed is expected
    assert by_filter is expected


def test_note_matrix_covers_every_user_and_note() -> None:
    rows = {(u, n) for u, n, _, _ in NOTE_MATRIX}

    assert rows == {
        (u, n)
        for u in USERS
        for n in ("school", "student_health", "health_care", "social", "school2")
    }


@pytest.mark.parametrize(
    ("user", "child", "reason"),
    [
        ("principal_b", "child1", "other_tenant"),
        ("intake", "child_b", "other_tenant"),
        ("principal", "child2", "no_relation"),
        ("family_coordinator", "child1", "no_relation"),
        ("steering", "child1", "no_relation"),
    ],
)
def test_child_denial_names_its_reason(world: Any, user: str, child: str, reason: str) -> None:
    actor = actor_of(world.users[user])

    decision = policies.can_view_child(actor, selectors.child_relation(child=getattr(world, child)))

    assert not decision
    assert decision.reason == reason


@pytest.mark.parametrize(
    ("user", "note", "reason"),
    [
        ("principal_b", "school", "other_tenant"),
        ("teacher", "student_health", "student_health_wall"),
        ("principal", "health_care", "patient_data_wall"),
        ("principal2", "school", "other_school"),
        ("intake", "school", "other_domain"),
        ("principal", "social", "other_domain"),
        ("family_coordinator", "social", "other_unit"),
        ("admin", "social", "other_domain"),
    ],
)
def test_record_denial_names_its_reason(world: Any, user: str, note: str, reason: str) -> None:
    actor = actor_of(world.users[user])

    decision = policies.can_view_record(actor, record_of(world.notes[note]))

    assert not decision
    assert decision.reason == reason


@pytest.mark.parametrize(
    ("user", "allowed"),
    [(user, user not in GOVERNANCE) for user in USERS],
)
def test_only_staff_working_with_children_may_search(world: Any, user: str, allowed: bool) -> None:
    actor = actor_of(world.users[user])

    decision = policies.can_search_children(actor)

    assert decision.allowed is allowed
    if not allowed:
        assert decision.reason == "no_child_access"


def test_an_allowed_search_names_the_grant_it_relied_on(world: Any) -> None:
    actor = actor_of(world.users["teacher"])

    decision = policies.can_search_children(actor)

    assert decision.grant is not None
    assert decision.grant.role == Role.TEACHER
    assert decision.grant.unit_id == world.school1.pk


def _target(world: Any, kind: str) -> RecordRef:
    a = world.a.pk
    return {
        "school1": RecordRef(
            a, SecrecyDomain.SCHOOL, RecordCategory.SCHOOL_SITUATION, world.school1.pk
        ),
        "school1_health": RecordRef(
            a, SecrecyDomain.SCHOOL, RecordCategory.STUDENT_HEALTH, world.school1.pk
        ),
        "school2": RecordRef(
            a, SecrecyDomain.SCHOOL, RecordCategory.SCHOOL_SITUATION, world.school2.pk
        ),
        "team": RecordRef(
            a, SecrecyDomain.SOCIAL_SERVICES, RecordCategory.SOCIAL_SITUATION, world.team.pk
        ),
        "other_team": RecordRef(
            a, SecrecyDomain.SOCIAL_SERVICES, RecordCategory.SOCIAL_SITUATION, world.other_team.pk
        ),
        "intake": RecordRef(
            a, SecrecyDomain.SOCIAL_SERVICES, RecordCategory.SOCIAL_SITUATION, world.intake.pk
        ),
        "social_admin": RecordRef(
            a, SecrecyDomain.SOCIAL_SERVICES, RecordCategory.SOCIAL_SITUATION, world.social_admin.pk
        ),
        "health": RecordRef(
            a, SecrecyDomain.HEALTH, RecordCategory.STUDENT_HEALTH, world.school1.pk
        ),
    }[kind]


# (user, child, target, expected reason; "" means allowed)
CREATE_NOTE_MATRIX = [
    ("principal", "child1", "school1", ""),
    ("principal", "child1", "school1_health", ""),
    ("teacher", "child1", "school1", ""),
    ("teacher", "child1", "school1_health", "student_health_wall"),
    ("counsellor", "child1", "school1_health", ""),
    ("principal", "child1", "school2", "not_enrolled_at_unit"),
    ("principal", "child1", "team", "other_domain"),
    ("principal", "child1", "health", "unknown_domain"),
    ("principal", "child2", "school1", "child_not_visible"),
    ("principal", "child_b", "school1", "child_not_visible"),
    ("principal2", "child1", "school2", "child_not_visible"),
    ("principal2", "child2", "school2", ""),
    ("team_worker", "child1", "team", ""),
    ("team_worker", "child1", "other_team", "other_unit"),
    ("team_worker", "child1", "school1", "other_domain"),
    ("team_worker", "child2", "team", "child_not_visible"),
    ("intake", "child1", "intake", ""),
    ("intake", "child2", "intake", ""),
    ("intake", "child1", "team", "other_unit"),
    ("intake", "child1", "school1", "other_domain"),
    ("intake", "child_b", "intake", "child_not_visible"),
    ("family_coordinator", "child1", "other_team", "child_not_visible"),
    ("unit_head", "child1", "team", ""),
    ("unit_head", "child1", "social_admin", ""),
    ("unit_head", "child1", "school1", "other_domain"),
    ("steering", "child1", "team", "child_not_visible"),
    ("admin", "child1", "school1", "child_not_visible"),
    ("log_reviewer", "child1", "intake", "child_not_visible"),
    ("principal_b", "child1", "school1", "child_not_visible"),
]


@pytest.mark.parametrize(("user", "child", "target", "reason"), CREATE_NOTE_MATRIX)
def test_note_creation_matrix(world: Any, user: str, child: str, target: str, reason: str) -> None:
    actor = actor_of(world.users[user])
    relation = selectors.child_relation(child=getattr(world, child))

    decision = policies.can_create_note(actor, relation, _target(world, target))

    assert decision.allowed is (reason == "")
    if reason:
        assert decision.reason == reason


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("principal", {"school1", "school1_health"}),
        ("teacher", {"school1"}),
        ("counsellor", {"school1", "school1_health"}),
        ("team_worker", {"team"}),
        ("intake", {"intake"}),
        # A unit head writes in their own unit, not in the teams below it.
        ("unit_head", {"social_admin"}),
    ],
)
def test_note_targets_offer_only_what_may_be_created(
    world: Any, user: str, expected: set[str]
) -> None:
    actor = actor_of(world.users[user])
    relation = selectors.child_relation(child=world.child1)

    targets = policies.note_targets(actor, relation)

    assert set(targets) == {_target(world, kind) for kind in expected}
    assert all(policies.can_create_note(actor, relation, t) for t in targets)


def _stranger(world: Any, role: str) -> Actor:
    """An actor of tenant A holding a role no rule knows, in a school and in a social unit."""
    grants = tuple(
        Grant(role, unit.pk, unit.name, unit.kind, unit.domain, unit.function)
        for unit in (world.school1, world.team, world.intake)
    )
    return Actor(uuid.uuid4(), "okand", "Okänd", world.a.pk, world.a.name, grants)


def test_an_unknown_role_is_denied_everything(world: Any) -> None:
    actor = _stranger(world, "janitor")

    searching = policies.can_search_children(actor)

    assert not searching
    for child in (world.child1, world.child2, world.protected):
        assert not policies.can_view_child(actor, selectors.child_relation(child=child))
        assert not child_visible_by_filter(actor, child)
    for note in world.notes.values():
        assert not policies.can_view_record(actor, record_of(note))
        assert not note_visible_by_filter(actor, note)


def test_a_governance_role_is_denied_even_in_a_school(world: Any) -> None:
    # Given a steering-group member whose role happens to be held in a school unit
    actor = _stranger(world, Role.STEERING_GROUP_MEMBER)

    # When they look at child1 and its school note
    sees_child = policies.can_view_child(actor, selectors.child_relation(child=world.child1))
    reads_note = policies.can_view_record(actor, record_of(world.notes["school"]))

    # Then nothing is allowed
    assert not sees_child
    assert not reads_note
    assert not policies.can_search_children(actor)


def test_a_record_in_an_unknown_domain_is_denied(world: Any) -> None:
    actor = actor_of(world.users["principal"])

    decision = policies.can_view_record(actor, _target(world, "health"))

    assert not decision
    assert decision.reason == "unknown_domain"


@pytest.fixture
def more_notes(world: Any) -> dict[str, Note]:
    """Records beyond the shared world, so the agreement test meets every shape of record."""
    health_unit = UnitFactory(municipality=world.a, domain=SecrecyDomain.HEALTH)
    social_b = UnitFactory(municipality=world.b)
    return {
        **world.notes,
        "intake": NoteFactory(
            child=world.child2,
            owner_unit=world.intake,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            category=RecordCategory.SOCIAL_SITUATION,
        ),
        "other_team": NoteFactory(
            child=world.protected,
            owner_unit=world.other_team,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            category=RecordCategory.SOCIAL_SITUATION,
        ),
        "admin_unit": NoteFactory(
            child=world.child1,
            owner_unit=world.social_admin,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            category=RecordCategory.SOCIAL_SITUATION,
        ),
        # Written by school1 while child2 was enrolled there.
        "ended_enrolment": NoteFactory(child=world.child2, owner_unit=world.school1),
        "health": NoteFactory(
            child=world.child1,
            owner_unit=health_unit,
            domain=SecrecyDomain.HEALTH,
            category=RecordCategory.STUDENT_HEALTH,
        ),
        "school_b": NoteFactory(child=world.child_b, owner_unit=world.school_b),
        "school_b_health": NoteFactory(
            child=world.child_b, owner_unit=world.school_b, category=RecordCategory.STUDENT_HEALTH
        ),
        "social_b": NoteFactory(
            child=world.child_b,
            owner_unit=social_b,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            category=RecordCategory.SOCIAL_SITUATION,
        ),
    }


def test_record_decision_and_filter_agree_for_every_user_and_note(
    world: Any, more_notes: dict[str, Note]
) -> None:
    actors = {user: actor_of(world.users[user]) for user in USERS}

    disagreements = [
        (user, key)
        for user, actor in actors.items()
        for key, note in more_notes.items()
        if policies.can_view_record(actor, record_of(note)).allowed
        is not note_visible_by_filter(actor, note)
    ]

    assert disagreements == []


def test_child_decision_and_filter_agree_for_every_user_and_child(
    world: Any, more_notes: dict[str, Note]
) -> None:
    # Given the extra social records, which put child2 and the protected child in caseloads
    actors = {user: actor_of(world.users[user]) for user in USERS}
    children = Child.objects.all()

    # When every user's decision is compared with the filter for every child
    disagreements = [
        (user, child.full_name)
        for user, actor in actors.items()
        for child in children
        if policies.can_view_child(actor, selectors.child_relation(child=child)).allowed
        is not child_visible_by_filter(actor, child)
    ]

    # Then they agree everywhere
    assert disagreements == []

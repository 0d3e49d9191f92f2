"""The children services called directly: search, opening a child's file and adding a note,
each with its policy, its audit entry in the same transaction, and its errors."""

import uuid
from typing import Any

import pytest

from samverkan.access.roles import Role
from samverkan.access.tests.factories import actor_of
from samverkan.audit import services as audit_services
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.children import selectors, services
from samverkan.children.errors import NoteInvalid
from samverkan.children.models import Note
from samverkan.children.policies import RecordRef
from samverkan.children.tests.factories import ChildFactory, EnrolmentFactory
from samverkan.core.errors import AccessDenied, NotFound
from samverkan.core.models import RecordCategory, SecrecyDomain


class AuditDown(Exception):
    pass


@pytest.fixture
def audit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**kwargs: Any) -> AuditEvent:
        raise AuditDown

    monkeypatch.setattr(audit_services.AuditEvent.objects, "create", refuse)


def school_note(world: Any, *, category: str = RecordCategory.SCHOOL_SITUATION) -> RecordRef:
    return RecordRef(world.a.pk, SecrecyDomain.SCHOOL, category, world.school1.pk)


def team_note(world: Any) -> RecordRef:
    return RecordRef(
        world.a.pk, SecrecyDomain.SOCIAL_SERVICES, RecordCategory.SOCIAL_SITUATION, world.team.pk
    )


def notes_about(child: Any) -> int:
    return Note.objects.filter(child=child).count()


# child_search


def test_child_search_returns_visible_matches_and_logs_them_once(world: Any) -> None:
    actor = actor_of(world.users["intake"])

    query, results = services.child_search(actor=actor, text="  Ella  ")

    assert query.text == "Ella"
    assert results == [world.child1]
    [event] = AuditEvent.objects.all()
    assert (event.action, event.event) == (AuditAction.SEARCH, "child.searched")
    assert event.child_ids == [str(world.child1.pk)]
    assert event.details == {"by": "name", "hits": 1}
    assert event.actor_role == Role.INTAKE_SOCIAL_WORKER
    assert event.actor_unit_id == world.intake.pk


def test_child_search_finds_either_name_order(world: Any) -> None:
    actor = actor_of(world.users["principal"])

    _, forwards = services.child_search(actor=actor, text="ella andersson")
    _, backwards = services.child_search(actor=actor, text="Andersson Ella")

    assert forwards == backwards == [world.child1]


def test_child_search_by_identity_number_logs_its_kind_not_the_number(world: Any) -> None:
    actor = actor_of(world.users["principal"])
    number = world.child1.identity_number

    query, results = services.child_search(actor=actor, text=f"{number[2:8]}-{number[8:]}")

    assert query.identity_digits == number
    assert results == [world.child1]
    [event] = AuditEvent.objects.all()
    assert event.details == {"by": "identity_number", "hits": 1}
    assert number not in str(event.details) + event.object_id + event.purpose


@pytest.mark.parametrize("dash", ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2212"])
def test_child_search_accepts_every_dash_the_identity_parser_accepts(world: Any, dash: str) -> None:
    actor = actor_of(world.users["principal"])
    number = world.child1.identity_number

    query, results = services.child_search(actor=actor, text=f"{number[:8]}{dash}{number[8:]}")

    assert query.identity_digits == number
    assert results == [world.child1]


@pytest.mark.parametrize("dash", ["-", "\u2013", "\u2212"])
def test_child_search_with_any_dash_and_a_wrong_check_digit_explains(world: Any, dash: str) -> None:
    actor = actor_of(world.users["principal"])

    query, results = services.child_search(actor=actor, text=f"20150312{dash}1235")

    assert results == []
    assert query.error == "Kontrollsiffran stämmer inte. Kontrollera att du skrivit rätt."


def test_child_search_with_an_invalid_number_explains_and_logs_nothing(world: Any) -> None:
    actor = actor_of(world.users["principal"])

    query, results = services.child_search(actor=actor, text="20150312-1235")

    assert results == []
    assert query.error == "Kontrollsiffran stämmer inte. Kontrollera att du skrivit rätt."
    assert not AuditEvent.objects.exists()


def test_an_empty_child_search_logs_nothing(world: Any) -> None:
    actor = actor_of(world.users["principal"])

    _, results = services.child_search(actor=actor, text="   ")

    assert results == []
    assert not AuditEvent.objects.exists()


def test_child_search_returns_at_most_the_limit_and_logs_exactly_those(world: Any) -> None:
    actor = actor_of(world.users["principal"])
    for i in range(selectors.SEARCH_LIMIT + 1):
        child = ChildFactory(municipality=world.a, given_name="Nora", family_name=f"Många{i:02d}")
        EnrolmentFactory(child=child, school=world.school1)

    _, results = services.child_search(actor=actor, text="nora")

    assert len(results) == selectors.SEARCH_LIMIT
    [event] = AuditEvent.objects.all()
    assert event.child_ids == [str(c.pk) for c in results]


@pytest.mark.parametrize("user", ["steering", "admin", "log_reviewer"])
def test_child_search_is_denied_to_governance_roles(world: Any, user: str) -> None:
    actor = actor_of(world.users[user])

    with pytest.raises(AccessDenied) as denied:
        services.child_search(actor=actor, text="ella")

    assert denied.value.reason == "no_child_access"
    assert denied.value.status == 403
    assert not AuditEvent.objects.exists()  # the refusal is logged by the error handlers


def test_child_search_returns_nothing_when_the_audit_write_fails(
    world: Any, audit_fails: None
) -> None:
    actor = actor_of(world.users["principal"])

    with pytest.raises(AuditDown):
        services.child_search(actor=actor, text="ella")


# child_open


@pytest.mark.parametrize(
    ("user", "purpose"),
    [
        ("principal", "enrolled_at_own_school"),
        ("intake", "intake_remit"),
        ("team_worker", "caseload"),
    ],
)
def test_child_open_logs_the_read_with_its_basis(world: Any, user: str, purpose: str) -> None:
    actor = actor_of(world.users[user])

    overview = services.child_open(actor=actor, child_id=world.child1.pk)

    assert overview.child == world.child1
    [event] = AuditEvent.objects.all()
    assert (event.action, event.event) == (AuditAction.VIEW, "child.viewed")
    assert event.object_id == str(world.child1.pk)
    assert event.purpose == purpose
    assert event.details["notes"] == [str(n.pk) for n in overview.notes]


def test_child_open_logs_the_grant_that_allowed_it(world: Any) -> None:
    actor = actor_of(world.users["teacher"])

    services.child_open(actor=actor, child_id=world.child1.pk)

    event = AuditEvent.objects.get()
    assert (event.actor_role, event.actor_unit_id) == (Role.TEACHER, world.school1.pk)


@pytest.mark.parametrize(
    ("user", "child"),
    [
        ("principal", "child2"),
        ("principal", "child_b"),
        ("team_worker", "protected"),
        ("family_coordinator", "child1"),
        ("steering", "child1"),
        ("principal_b", "child1"),
    ],
)
def test_child_open_outside_visibility_is_not_found(world: Any, user: str, child: str) -> None:
    actor = actor_of(world.users[user])

    with pytest.raises(NotFound) as missing:
        services.child_open(actor=actor, child_id=getattr(world, child).pk)

    assert missing.value.status == 404
    assert not AuditEvent.objects.exists()


def test_child_open_of_a_child_that_does_not_exist_is_not_found(world: Any) -> None:
    actor = actor_of(world.users["intake"])

    with pytest.raises(NotFound):
        services.child_open(actor=actor, child_id=uuid.uuid4())


def test_child_open_of_a_protected_child_carries_no_address_or_contacts(world: Any) -> None:
    actor = actor_of(world.users["principal"])

    overview = services.child_open(actor=actor, child_id=world.protected.pk)

    assert overview.address == ""
    [guardian] = overview.guardians
    assert (guardian.phone, guardian.email, guardian.address) == ("", "", "")


def test_child_open_shows_no_data_when_the_audit_write_fails(world: Any, audit_fails: None) -> None:
    actor = actor_of(world.users["principal"])

    with pytest.raises(AuditDown):
        services.child_open(actor=actor, child_id=world.child1.pk)


# note_create


def test_note_create_saves_the_note_and_logs_it(world: Any) -> None:
    actor = actor_of(world.users["teacher"])

    note = services.note_create(
        actor=actor,
        child_id=world.child1.pk,
        target=school_note(world),
        title="  Frånvaro  ",
        body=" Borta tre dagar. ",
    )

    note.refresh_from_db()
    assert (note.title, note.body) == ("Frånvaro", "Borta tre dagar.")
    assert note.municipality_id == world.a.pk
    assert note.created_by_id == world.users["teacher"].pk
    [event] = AuditEvent.objects.all()
    assert (event.action, event.event) == (AuditAction.CREATE, "note.created")
    assert event.object_id == str(note.pk)
    assert event.child_ids == [str(world.child1.pk)]
    assert event.details == {"domain": "school", "category": "school_situation"}


def test_note_create_in_the_social_domain_by_the_team(world: Any) -> None:
    actor = actor_of(world.users["team_worker"])

    note = services.note_create(
        actor=actor, child_id=world.child1.pk, target=team_note(world), title="Möte", body="Ok."
    )

    assert (note.domain, note.owner_unit_id) == (SecrecyDomain.SOCIAL_SERVICES, world.team.pk)


def test_note_create_twice_with_one_request_id_saves_one_note(world: Any) -> None:
    actor = actor_of(world.users["teacher"])
    request_id = uuid.uuid4()
    before = notes_about(world.child1)

    first = services.note_create(
        actor=actor,
        child_id=world.child1.pk,
        target=school_note(world),
        title="Rubrik",
        body="Text",
        request_id=request_id,
    )
    second = services.note_create(
        actor=actor,
        child_id=world.child1.pk,
        target=school_note(world),
        title="Rubrik",
        body="Text",
        request_id=request_id,
    )

    assert first.pk == second.pk
    assert notes_about(world.child1) == before + 1
    assert AuditEvent.objects.filter(event="note.created").count() == 1


def test_note_create_behind_the_student_health_wall_is_denied(world: Any) -> None:
    actor = actor_of(world.users["teacher"])
    before = notes_about(world.child1)

    with pytest.raises(AccessDenied) as denied:
        services.note_create(
            actor=actor,
            child_id=world.child1.pk,
            target=school_note(world, category=RecordCategory.STUDENT_HEALTH),
            title="Rubrik",
            body="Text",
        )

    assert denied.value.reason == "student_health_wall"
    assert notes_about(world.child1) == before
    assert not AuditEvent.objects.exists()


def test_note_create_in_another_domain_is_denied(world: Any) -> None:
    actor = actor_of(world.users["principal"])

    with pytest.raises(AccessDenied) as denied:
        services.note_create(
            actor=actor, child_id=world.child1.pk, target=team_note(world), title="R", body="T"
        )

    assert denied.value.reason == "other_domain"


@pytest.mark.parametrize(("user", "child"), [("principal", "child2"), ("principal", "child_b")])
def test_note_create_about_a_child_out_of_reach_is_not_found(
    world: Any, user: str, child: str
) -> None:
    actor = actor_of(world.users[user])
    subject = getattr(world, child)
    before = notes_about(subject)

    with pytest.raises(NotFound):
        services.note_create(
            actor=actor, child_id=subject.pk, target=school_note(world), title="R", body="T"
        )

    assert notes_about(subject) == before


def test_note_create_without_title_is_invalid_with_the_field_named(world: Any) -> None:
    actor = actor_of(world.users["teacher"])
    before = notes_about(world.child1)

    with pytest.raises(NoteInvalid) as invalid:
        services.note_create(
            actor=actor, child_id=world.child1.pk, target=school_note(world), title=" ", body="T"
        )

    assert invalid.value.code == "note_invalid"
    assert invalid.value.status == 400
    assert "Rätta det som är markerat" in str(invalid.value.message)
    assert set(invalid.value.details) == {"title"}
    assert notes_about(world.child1) == before
    assert not AuditEvent.objects.exists()


def test_note_create_with_an_overlong_title_is_invalid(world: Any) -> None:
    actor = actor_of(world.users["teacher"])

    with pytest.raises(NoteInvalid) as invalid:
        services.note_create(
            actor=actor,
            child_id=world.child1.pk,
            target=school_note(world),
            title="R" * 201,
            body="T",
        )

    assert set(invalid.value.details) == {"title"}


def test_note_create_saves_nothing_when_the_audit_write_fails(
    world: Any, audit_fails: None
) -> None:
    actor = actor_of(world.users["teacher"])
    before = notes_about(world.child1)

    with pytest.raises(AuditDown):
        services.note_create(
            actor=actor,
            child_id=world.child1.pk,
            target=school_note(world),
            title="Ska inte sparas",
            body="T",
            request_id=uuid.uuid4(),
        )

    assert notes_about(world.child1) == before
    assert not Note.objects.filter(title="Ska inte sparas").exists()

"""The child search and overview pages through the Django test client.

Audit entries are appended inside the request's transaction and sealed into the chain in
`transaction.on_commit`. Under the `db` fixture the test's transaction never commits, so sealing
does not run (and is not counted in the query counts) unless a test asks for it with
`django_capture_on_commit_callbacks(execute=True)`.
"""

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.audit.sealer import seal_round
from samverkan.children.forms import target_key
from samverkan.children.models import Note
from samverkan.children.policies import RecordRef
from samverkan.children.tests.factories import ChildFactory, EnrolmentFactory, NoteFactory
from samverkan.core.models import RecordCategory, SecrecyDomain

# Queries of one page view by a principal, after the session has been touched once:
# session, user, actor (1), savepoint, children, current enrolments, audit insert, release.
SEARCH_QUERIES = 9  # +1: the unread notifications in the header
# session, user, actor, savepoint, child, current schools, social units, guardians, enrolments,
# notes, audit insert, release.
OVERVIEW_QUERIES = 14  # +1: the child's consents (none here; with consents see consent tests)
# +1: the unread notifications in the header.

SECRETS = ("Hemligvägen", "070-999", "hemlig@example.se")


def detail_url(child: Any) -> str:
    return reverse("children:detail", kwargs={"child_id": child.pk})


def search_url(text: str) -> str:
    return f"{reverse('children:search')}?q={text}"


def title_html(note: Note) -> str:
    """A note's title as the overview renders it (so 'Anteckning 1' never matches '... 10')."""
    return f">{note.title}<"


@pytest.fixture
def login(client: Client, world: Any) -> Callable[[str], Client]:
    """Sign in as one of the world's users; the first page view stamps the idle timer once."""

    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get(reverse("start"))
        return client

    return sign_in


def without_tokens(content: bytes) -> str:
    """The page without its per-request CSP nonce and CSRF token."""
    return re.sub(r'(nonce|value)="[^"]*"', "", content.decode())


def denied_events() -> list[AuditEvent]:
    # The refusals in the actor's log (a probe of another tenant's child is in that log too).
    return list(
        AuditEvent.objects.filter(action=AuditAction.DENIED, event="access.denied").order_by("id")
    )


# The overview.


def test_principal_sees_own_pupil_with_school_notes_but_not_other_domains(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("principal")

    response = client.get(detail_url(world.child1))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ella Andersson" in page
    assert title_html(world.notes["school"]) in page
    assert title_html(world.notes["student_health"]) in page  # the principal leads student health
    assert title_html(world.notes["social"]) not in page


@pytest.mark.parametrize(("user", "shown"), [("counsellor", True), ("teacher", False)])
def test_student_health_note_shows_only_to_student_health_staff(
    login: Callable[[str], Client], world: Any, user: str, shown: bool
) -> None:
    client = login(user)

    response = client.get(detail_url(world.child1))

    page = response.content.decode()
    assert response.status_code == 200
    assert title_html(world.notes["school"]) in page
    assert (title_html(world.notes["student_health"]) in page) is shown
    assert title_html(world.notes["social"]) not in page


def test_team_worker_sees_the_social_note_and_no_school_note(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("team_worker")

    response = client.get(detail_url(world.child1))

    page = response.content.decode()
    assert response.status_code == 200
    assert title_html(world.notes["social"]) in page
    assert title_html(world.notes["school"]) not in page
    assert title_html(world.notes["student_health"]) not in page


def test_intake_opens_any_child_of_the_municipality_but_not_another_tenants(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("intake")

    own = client.get(detail_url(world.child1))
    other = client.get(detail_url(world.child_b))

    assert own.status_code == 200
    assert other.status_code == 404
    assert "Bortom" not in other.content.decode()


def test_opening_a_child_writes_a_view_entry(login: Callable[[str], Client], world: Any) -> None:
    client = login("principal")

    client.get(detail_url(world.child1))

    event = AuditEvent.objects.get(event="child.viewed")
    assert event.action == AuditAction.VIEW
    assert event.child_ids == [str(world.child1.pk)]
    assert event.actor_username == "rektor"
    assert set(event.details["notes"]) == {
        str(world.notes["school"].pk),
        str(world.notes["student_health"].pk),
    }


@pytest.mark.parametrize(
    ("child", "why"), [("child2", "other school, ended enrolment"), ("child_b", "other tenant")]
)
def test_a_child_outside_the_principals_remit_is_not_found_and_the_attempt_logged(
    login: Callable[[str], Client], world: Any, child: str, why: str
) -> None:
    client = login("principal")
    subject = getattr(world, child)

    response = client.get(detail_url(subject))

    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()
    assert subject.family_name not in response.content.decode()
    [event] = denied_events()
    assert event.object_id == str(subject.pk)
    assert event.details["reason"] == "not_visible"
    assert event.actor_username == "rektor"
    assert not AuditEvent.objects.filter(event="child.viewed").exists()


def test_a_child_that_does_not_exist_looks_the_same_as_one_out_of_reach(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("principal")

    missing = client.get(reverse("children:detail", kwargs={"child_id": uuid.uuid4()}))
    hidden = client.get(detail_url(world.child_b))

    assert missing.status_code == hidden.status_code == 404
    assert without_tokens(missing.content) == without_tokens(hidden.content)


@pytest.mark.parametrize("user", ["principal", "teacher", "counsellor", "intake", "unit_head"])
def test_protected_childs_page_hides_address_and_guardian_contacts(
    login: Callable[[str], Client], world: Any, user: str
) -> None:
    client = login(user)

    response = client.get(detail_url(world.protected))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Skyddade personuppgifter" in page
    assert "Skyddad folkbokföring" in page
    for secret in SECRETS:
        assert secret not in page


def test_an_unprotected_childs_address_is_shown(login: Callable[[str], Client], world: Any) -> None:
    client = login("principal")

    response = client.get(detail_url(world.child1))

    page = response.content.decode()
    assert "Hemliga gatan 1" in page
    assert "Skyddade personuppgifter" not in page


# Search.


def test_search_by_name_logs_one_entry_listing_every_child_returned(
    login: Callable[[str], Client], world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login("principal")

    response = client.get(search_url("a"))
    # The sealer links it within seconds (ADR 0003): run a round here to show it is chained too.
    with django_capture_on_commit_callbacks(execute=True):
        seal_round()

    assert response.status_code == 200
    [event] = AuditEvent.objects.filter(action=AuditAction.SEARCH)
    assert sorted(event.child_ids) == sorted([str(world.child1.pk), str(world.protected.pk)])
    assert event.details == {"by": "name", "hits": 2}
    assert event.seq is not None
    assert event.hash


def test_search_results_show_masked_numbers_only(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("principal")

    response = client.get(search_url("ella"))

    page = response.content.decode()
    number = world.child1.identity_number
    assert f"{number[:8]}-XXXX" in page
    assert number not in page
    assert f"{number[:8]}-{number[8:]}" not in page
    assert "Bortom" not in page  # the other tenant's Ella


def test_search_by_identity_number_finds_the_child_and_logs_the_kind_not_the_number(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("principal")
    number = world.child1.identity_number

    response = client.get(search_url(f"{number[:8]}-{number[8:]}"))

    assert "Andersson, Ella" in response.content.decode()
    [event] = AuditEvent.objects.filter(action=AuditAction.SEARCH)
    assert event.details == {"by": "identity_number", "hits": 1}
    assert number not in str(event.details)


def test_search_marks_a_protected_child(login: Callable[[str], Client], world: Any) -> None:
    client = login("principal")

    response = client.get(search_url("sara"))

    page = response.content.decode()
    assert "Skyddad, Sara" in page
    assert "Skyddade personuppgifter" in page
    assert "Hemligvägen" not in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("20150312-1235", "Kontrollsiffran stämmer inte. Kontrollera att du skrivit rätt."),
        ("20150230-1234", "Datumet 2015-02-30 finns inte. Kontrollera födelsedatumet."),
        ("2015031212345", "Personnumret måste ha 10 eller 12 siffror"),
    ],
)
def test_an_invalid_identity_number_is_explained_kept_and_not_searched(
    login: Callable[[str], Client], world: Any, typed: str, message: str
) -> None:
    client = login("principal")

    response = client.get(search_url(typed))

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'value="{typed}"' in page
    assert "govuk-input--error" in page
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()


def test_an_empty_search_shows_the_form_and_logs_nothing(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("principal")

    response = client.get(reverse("children:search"))

    assert response.status_code == 200
    assert "Namn eller personnummer" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()


def test_search_answers_htmx_with_the_results_only(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("principal")

    response = client.get(search_url("ella"), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert 'id="results"' in page
    assert "<html" not in page
    assert "Andersson, Ella" in page


@pytest.mark.parametrize("user", ["steering", "admin", "log_reviewer"])
@pytest.mark.parametrize("page", ["search", "detail"])
def test_governance_roles_are_refused_child_pages_in_swedish_and_logged(
    login: Callable[[str], Client], world: Any, user: str, page: str
) -> None:
    client = login(user)
    url = search_url("ella") if page == "search" else detail_url(world.child1)

    response = client.get(url)

    assert response.status_code == 403
    body = response.content.decode()
    assert "Du saknar behörighet" in body
    assert "Ella" not in body
    [event] = denied_events()
    assert event.details["reason"] == "no_child_access"
    assert not AuditEvent.objects.filter(action__in=[AuditAction.SEARCH, AuditAction.VIEW]).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/barn/",
        "/barn/?q=ella",
        "/barn/00000000-0000-0000-0000-000000000001/",
        "/organisation/",
        "/organisation/enheter/00000000-0000-0000-0000-000000000001/",
        "/logg/",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, db: None, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")
    assert not AuditEvent.objects.exists()


def test_anonymous_note_post_is_sent_to_login_and_saves_nothing(client: Client, world: Any) -> None:
    response = client.post(detail_url(world.child1), {"title": "x", "body": "y"})

    assert response.status_code == 302
    assert Note.objects.count() == len(world.notes)


# Adding a note.


def school_target(
    world: Any, school: Any = None, category: str = RecordCategory.SCHOOL_SITUATION
) -> str:
    unit = school or world.school1
    return target_key(RecordRef(world.a.pk, SecrecyDomain.SCHOOL, category, unit.pk))


def note_data(world: Any, **overrides: str) -> dict[str, str]:
    return {
        "target": school_target(world),
        "title": "Frånvaro vecka 12",
        "body": "Ella var borta tre dagar.",
        "request_id": str(uuid.uuid4()),
        **overrides,
    }


def new_notes(world: Any) -> list[Note]:
    known = [n.pk for n in world.notes.values()]
    return list(Note.objects.exclude(pk__in=known))


def test_posting_a_note_saves_it_once_with_an_audit_entry(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    response = client.post(detail_url(world.child1), note_data(world))

    assert response.status_code == 302
    assert response["Location"] == detail_url(world.child1)
    [note] = new_notes(world)
    assert (note.title, note.body) == ("Frånvaro vecka 12", "Ella var borta tre dagar.")
    assert (note.domain, note.category) == (SecrecyDomain.SCHOOL, RecordCategory.SCHOOL_SITUATION)
    assert note.owner_unit_id == world.school1.pk
    assert note.created_by_id == world.users["teacher"].pk
    [event] = AuditEvent.objects.filter(event="note.created")
    assert event.action == AuditAction.CREATE
    assert event.object_id == str(note.pk)
    assert event.child_ids == [str(world.child1.pk)]
    assert "Frånvaro" not in str(event.details)  # ids and codes, never the note's text


def test_the_saved_note_appears_with_a_confirmation(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    response = client.post(detail_url(world.child1), note_data(world), follow=True)

    page = response.content.decode()
    assert "Anteckningen är sparad." in page
    assert ">Frånvaro vecka 12<" in page


def test_a_double_submitted_note_is_saved_once(login: Callable[[str], Client], world: Any) -> None:
    client = login("teacher")
    data = note_data(world)

    first = client.post(detail_url(world.child1), data)
    second = client.post(detail_url(world.child1), data)

    assert first.status_code == second.status_code == 302
    assert len(new_notes(world)) == 1
    assert AuditEvent.objects.filter(event="note.created").count() == 1


def test_an_empty_note_is_refused_in_swedish_and_keeps_what_was_typed(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    response = client.post(
        detail_url(world.child1), note_data(world, title="   ", body="Mitt utkast")
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Skriv en rubrik." in page
    assert "Det finns ett problem" in page
    assert "Mitt utkast" in page
    assert new_notes(world) == []
    assert not AuditEvent.objects.filter(event="note.created").exists()


def test_a_note_without_body_is_refused_in_swedish_and_keeps_the_title(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    response = client.post(detail_url(world.child1), note_data(world, title="Min rubrik", body=""))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Skriv anteckningen." in page
    assert 'value="Min rubrik"' in page
    assert new_notes(world) == []


def test_an_overlong_title_is_refused_with_its_length(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    response = client.post(detail_url(world.child1), note_data(world, title="R" * 201))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Rubriken får vara högst 200 tecken (nu 201)." in page
    assert "Ella var borta tre dagar." in page
    assert new_notes(world) == []


@pytest.mark.parametrize(
    ("user", "forged"),
    [
        ("principal", "other school"),
        ("teacher", "student health"),
        ("teacher", "social team"),
    ],
)
def test_a_forged_target_is_refused_and_nothing_saved(
    login: Callable[[str], Client], world: Any, user: str, forged: str
) -> None:
    client = login(user)
    target = {
        "other school": school_target(world, world.school2),
        "student health": school_target(world, category=RecordCategory.STUDENT_HEALTH),
        "social team": target_key(
            RecordRef(
                world.a.pk,
                SecrecyDomain.SOCIAL_SERVICES,
                RecordCategory.SOCIAL_SITUATION,
                world.team.pk,
            )
        ),
    }[forged]

    response = client.post(detail_url(world.child1), note_data(world, target=target))

    assert response.status_code == 400
    assert "Välj ett av alternativen i listan." in response.content.decode()
    assert new_notes(world) == []


def test_a_note_about_a_child_out_of_reach_is_not_found_and_not_saved(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("principal2")

    response = client.post(
        detail_url(world.child1), note_data(world, target=school_target(world, world.school2))
    )

    assert response.status_code == 404
    assert new_notes(world) == []
    [event] = denied_events()
    assert event.object_id == str(world.child1.pk)


def test_a_note_without_csrf_token_is_refused_in_swedish(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["teacher"])

    response = client.post(detail_url(world.child1), note_data(world))

    page = response.content.decode()
    assert response.status_code == 403
    assert "säkerhetskontrollen misslyckades" in page
    assert "Ingenting har sparats" in page
    assert new_notes(world) == []


# Query counts (STYLE: pinned, and flat in the number of rows).


def _pupils(world: Any, n: int) -> None:
    for i in range(n):
        child = ChildFactory(municipality=world.a, given_name="Nils", family_name=f"Räknare{i}")
        EnrolmentFactory(child=child, school=world.school1)


def test_child_search_page_query_count_is_pinned_and_flat(
    login: Callable[[str], Client], world: Any, django_assert_num_queries: Any
) -> None:
    client = login("principal")
    _pupils(world, 3)

    with django_assert_num_queries(SEARCH_QUERIES):
        few = client.get(search_url("nils"))
    _pupils(world, 27)
    with django_assert_num_queries(SEARCH_QUERIES):
        many = client.get(search_url("nils"))

    assert few.content.decode().count("Räknare") == 3
    assert many.content.decode().count("Räknare") == 30


def test_child_overview_query_count_is_pinned_and_flat(
    login: Callable[[str], Client], world: Any, django_assert_num_queries: Any
) -> None:
    client = login("principal")
    authors = [world.users[u] for u in ("principal", "teacher", "counsellor")]

    def add_notes(n: int) -> None:
        for i in range(n):
            NoteFactory(
                child=world.child1,
                owner_unit=world.school1,
                created_by=authors[i % 3],
                title=f"Räknad {i}",
            )

    add_notes(3)
    with django_assert_num_queries(OVERVIEW_QUERIES):
        few = client.get(detail_url(world.child1))
    add_notes(27)
    with django_assert_num_queries(OVERVIEW_QUERIES):
        many = client.get(detail_url(world.child1))

    assert few.content.decode().count("Räknad ") == 3
    assert many.content.decode().count("Räknad ") == 30

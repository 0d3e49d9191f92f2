"""The school side of the one way in through the Django test client: the entry page, an
anonymous consultation, a report of concern, a support request with consent, what the school
sent and the start page (R1.2, R1.3, R4.3; SoL 2025:400 19 kap. 1, 6 §§).

Audit entries are appended inside the request's transaction; under the `db` fixture they are
not sealed (see children/tests/test_views.py), so the query counts leave sealing out.
"""

import datetime
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import RoleAssignmentFactory, actor_of
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.audit.tests.conftest import refusals
from samverkan.children.identity import generate_identity_number
from samverkan.children.tests.factories import ChildFactory, EnrolmentFactory
from samverkan.consent.models import Consent
from samverkan.consent.tests import factories as consent_factories
from samverkan.core.models import RecordCategory
from samverkan.intake import services
from samverkan.intake.models import Consultation, IntakeItem, Supplement

TODAY = timezone.localdate()
# session, user, actor, unread notices, sent items (with child, school, unit, reporter) and
# sent consultations (with school, unit and what each became), each one query for a principal
# (the newest of their own and of their school's, each from its index; two queries each before,
# issue #16); +3: the audited read naming the children listed (savepoint, audit insert, release).
SENT_LIST_QUERIES = 9
SECRET_ASSESSMENT = "Skyddsbedömning: pappan har tidigare dömts för misshandel."
SECRET_REASON = "Beslutsmotivering: flera tidigare anmälningar från förskolan."


@pytest.fixture
def login(client: Client, world: Any) -> Callable[[str], Client]:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get(reverse("start"))  # stamps the idle timer outside the counted requests
        return client

    return sign_in


def url(name: str, *args: Any) -> str:
    return reverse(f"intake:{name}", args=args)


def report_post(world: Any, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "school": str(world.school1.pk),
        "child": str(world.child1.pk),
        "observed": "Ella berättade i dag att hon blir slagen hemma.",
        "situation": "Ella är i skolan och vill inte gå hem.",
        "needs_protection_now": "yes",
        "guardians_informed": "no",
        "wants_feedback": "on",
        "reporter_phone": "013-12 34 56",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def consultation_post(world: Any, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "school": str(world.school1.pk),
        "age_group": "13-15",
        "question": "En elev i årskurs 7 verkar mycket trött och hungrig. Hur ska vi tänka?",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def make_report(world: Any, user: str = "principal", **changes: Any) -> IntakeItem:
    values: dict[str, Any] = {
        "school_id": world.school1.pk,
        "child_id": world.child1.pk,
        "observed": "Ella har blåmärken på armarna.",
        "situation": "Ella är tyst och ledsen.",
        "needs_protection_now": "unknown",
        "guardians_informed": "no",
        "request_id": uuid.uuid4(),
        "confirm_duplicate": True,  # several reports about one child, on purpose
    }
    values.update(changes)
    return services.report_submit(actor=actor_of(world.users[user]), **values)


def make_consent(
    world: Any, child: Any = None, confirmed: tuple[str, ...] = ("school",)
) -> Consent:
    """A consent in force for child1 that lets school1 share with social services; the school
    recorded it, so its own direction is confirmed (DESIGN principle 8)."""
    return consent_factories.give_consent(
        child=child or world.child1,
        units=(world.school1, world.intake, world.team),
        recorded_by=world.users["counsellor"],
        categories=[RecordCategory.SCHOOL_SITUATION, RecordCategory.SOCIAL_SITUATION],
        confirmed=confirmed,
        purpose_text="Samordnat stöd från skolsocialt team",
    )


def denials() -> int:
    return refusals()


# The entry page.


def test_entry_explains_the_three_ways_and_names_the_schools_contact(
    login: Callable[[str], Client], world: Any
) -> None:
    contact = world.users["intake"]
    client = login("principal")

    response = client.get(url("entry"))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Kontakta socialtjänsten</h1>' in page
    for text in (
        "Anonym konsultation",
        "Orosanmälan – anmälan om oro för ett barn",
        "Begäran om stöd med samtycke",
        "19 kap. 1 §",
        "kan inte anmäla anonymt",
        "Ring 112",
        "Ingenting om vem barnet är sparas",
    ):
        assert text in page
    assert url("consultation_new") in page
    assert url("report_new") in page
    assert url("request_new") in page
    assert contact.get_full_name() in page
    assert contact.phone in page


@pytest.mark.parametrize("user", ["teacher", "counsellor", "nurse", "principal2"])
def test_school_staff_may_use_the_one_way_in(login: Callable[[str], Client], user: str) -> None:
    client = login(user)

    for name in ("entry", "consultation_new", "report_new", "request_new", "sent_list"):
        assert client.get(url(name)).status_code == 200, name


@pytest.mark.parametrize(
    "user", ["steering", "admin", "log_reviewer", "intake", "team_worker", "unit_head"]
)
def test_staff_outside_schools_are_refused_every_school_page_and_logged(
    login: Callable[[str], Client], world: Any, user: str
) -> None:
    item = make_report(world)
    client = login(user)
    before = denials()

    responses = [
        client.get(url("entry")),
        client.get(url("consultation_new")),
        client.post(url("report_new"), report_post(world)),
        client.get(url("request_new")),
        client.get(url("sent_list")),
        client.get(url("sent_item", item.pk)),
        client.post(url("supplement", item.pk), {"body": "x", "request_id": str(uuid.uuid4())}),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert denials() - before == len(responses)
    assert IntakeItem.objects.count() == 1
    assert not Supplement.objects.exists()


def test_the_entry_page_is_refused_with_a_denied_entry_naming_the_reason(
    login: Callable[[str], Client],
) -> None:
    client = login("steering")

    response = client.get(url("entry"))

    assert response.status_code == 403
    entry = AuditEvent.objects.filter(action=AuditAction.DENIED).latest("seq")
    assert entry.details == {"reason": "not_school_staff", "path": url("entry")}


# Anonymous consultation.


def test_consultation_with_an_identity_number_is_refused_and_the_text_kept(
    login: Callable[[str], Client], world: Any
) -> None:
    number = generate_identity_number(datetime.date(2013, 5, 17), 123)
    question = f"Eleven {number} verkar inte ha det bra hemma."
    client = login("teacher")

    response = client.post(url("consultation_new"), consultation_post(world, question=question))

    page = response.content.decode()
    assert response.status_code == 400
    assert "ser ut som ett personnummer" in page
    assert question in page
    assert 'href="#id_question"' in page  # the error summary links to the field
    assert not Consultation.objects.exists()


def test_missing_fields_of_a_consultation_are_named_in_swedish(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    response = client.post(
        url("consultation_new"), consultation_post(world, age_group=None, question="")
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Välj barnets åldersgrupp." in page
    assert "Skriv din fråga." in page
    assert "<title>Fel:" in page


def test_a_possible_name_asks_for_confirmation_and_then_sends(
    login: Callable[[str], Client], world: Any
) -> None:
    question = "Vi undrar över Kalle Svensson i sjuan som ofta är hungrig."
    client = login("teacher")
    data = consultation_post(world, question=question)

    first = client.post(url("consultation_new"), data)
    second = client.post(url("consultation_new"), {**data, "names_confirmed": "on"})

    page = first.content.decode()
    assert first.status_code == 400
    assert "Kalle Svensson" in page  # the warning names it and the text is kept
    assert question in page
    assert "Jag har kontrollerat att texten inte namnger barnet eller familjen" in page
    assert 'name="names_confirmed"' in page
    consultation = Consultation.objects.get()
    assert second.status_code == 302
    assert second["Location"] == url("consultation_sent", consultation.pk)
    assert consultation.question == question


def test_the_confirmation_is_not_offered_before_a_name_is_found(
    login: Callable[[str], Client],
) -> None:
    client = login("teacher")

    page = client.get(url("consultation_new")).content.decode()

    assert 'name="names_confirmed"' not in page
    assert "Ekskolan" in page  # the only school is named, not asked for
    assert 'type="hidden" name="school"' in page


def test_double_submit_of_a_consultation_sends_one(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")
    data = consultation_post(world)

    first = client.post(url("consultation_new"), data)
    second = client.post(url("consultation_new"), data)

    assert Consultation.objects.count() == 1
    assert "Redan skickad" in second.content.decode()
    assert first["Location"] in second.content.decode()
    assert Consultation.objects.get().reference in second.content.decode()


def test_sent_consultation_shows_status_then_the_answer_and_ways_on(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")
    client.post(url("consultation_new"), consultation_post(world))
    consultation = Consultation.objects.get()

    waiting = client.get(url("consultation_sent", consultation.pk)).content.decode()
    services.consultation_answer(
        actor=actor_of(world.users["intake"]),
        consultation_id=consultation.pk,
        answer="Prata med kuratorn och gör en anmälan om hungern fortsätter.",
    )
    answered = client.get(url("consultation_sent", consultation.pk)).content.decode()

    assert consultation.reference in waiting
    assert "Väntar på svar" in waiting
    assert "Inget svar ännu" in waiting
    assert "Besvarad" in answered
    assert "gör en anmälan om hungern fortsätter" in answered
    assert "Svaret kom efter" in answered
    assert f"{url('report_new')}?konsultation={consultation.pk}" in answered
    assert f"{url('request_new')}?konsultation={consultation.pk}" in answered


def test_another_schools_consultation_is_not_found(
    login: Callable[[str], Client], world: Any
) -> None:
    consultation = services.consultation_submit(
        actor=actor_of(world.users["teacher"]),
        school_id=world.school1.pk,
        age_group="6-9",
        question="Hur gör vi när ett barn ofta kommer för sent?",
    )
    client = login("principal2")
    before = denials()

    response = client.get(url("consultation_sent", consultation.pk))

    assert response.status_code == 404
    assert denials() == before + 1


# Report of concern.


def test_report_form_finds_only_children_at_the_school_and_names_the_reporter(
    login: Callable[[str], Client], world: Any
) -> None:
    """The form never lists the school's pupils: the child is searched for (an audited
    search), among the children at the sender's school today."""
    client = login("teacher")

    first = client.get(url("report_new")).content.decode()
    response = client.post(url("report_new"), {"action": "search", "q": "a"})

    page = response.content.decode()
    assert "Ella Andersson" not in first
    assert response.status_code == 200
    assert "Ella Andersson" in page
    assert "Sara Skyddad" in page
    assert "Olle Berg" not in page  # left school1 in 2020
    assert "Bortom" not in page  # tenant B
    assert world.child1.identity_number not in page
    assert world.users["teacher"].get_full_name() in page
    assert "Lärare – Ekskolan" in page
    assert 'name="wants_feedback" type="checkbox" checked' in first
    assert "19 kap. 6 §" in page
    search = AuditEvent.objects.get(event="child.searched", actor_username="larare")
    assert str(world.child1.pk) in search.child_ids


def test_a_search_that_finds_one_child_chooses_it(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    search = {"action": "search", "q": world.child1.identity_number}
    page = client.post(url("report_new"), search).content.decode()

    assert f'<option value="{world.child1.pk}" selected>' in page
    assert "Sökningen hittade 1 barn" in page


def test_a_search_without_javascript_posts_the_form_and_keeps_every_word(
    login: Callable[[str], Client], world: Any
) -> None:
    """Issue #11, finding 3: searching for the child after typing lost the text and answers.
    The search posts the whole form (never a GET query with a name in it) and shows it again,
    without errors, with the child found."""
    client = login("teacher")
    typed = report_post(world, child="", wants_feedback=None)
    typed.update(action="search", q=world.child1.identity_number)

    response = client.post(url("report_new"), typed)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Det finns ett problem" not in page
    assert "Ella berättade i dag att hon blir slagen hemma." in page
    assert "013-12 34 56" in page
    assert 'value="yes" checked' in page
    assert 'name="wants_feedback" type="checkbox" checked' not in page
    assert f'<option value="{world.child1.pk}" selected>' in page
    assert f'value="{typed["request_id"]}"' in page
    assert not IntakeItem.objects.exists()


def test_an_htmx_search_answers_only_the_result(login: Callable[[str], Client], world: Any) -> None:
    client = login("teacher")
    typed = report_post(world, child="", action="search", q=world.child1.identity_number)

    response = client.post(url("report_new"), typed, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "Ella berättade" not in page
    assert f'<option value="{world.child1.pk}" selected>' in page
    assert "Sökningen hittade 1 barn" in page


def _token(page: str) -> str:
    match = re.search(r'name="request_id" value="([0-9a-f-]{36})"', page)
    assert match, "no draft token in the page"
    return match.group(1)


def test_the_report_form_keeps_its_draft_token_when_shown_again(
    login: Callable[[str], Client], world: Any
) -> None:
    """A reload or a language switch shows the same draft (one token per user, form and
    child); another child is another draft."""
    client = login("teacher")

    first = _token(client.get(url("report_new")).content.decode())
    again = _token(client.get(url("report_new")).content.decode())
    other = _token(client.get(f"{url('report_new')}?barn={world.child1.pk}").content.decode())

    assert first == again
    assert other != first


def test_back_and_send_again_shows_redan_skickad_with_the_first_receipt(
    login: Callable[[str], Client], world: Any
) -> None:
    """Issue #11, finding 1: Back after sending and sending again made a second report. The
    form reached again carries the sent draft's token; sending it shows the first receipt and
    keeps the words, which can be sent as a new report on purpose."""
    client = login("teacher")
    token = _token(client.get(f"{url('report_new')}?barn={world.child1.pk}").content.decode())
    client.post(url("report_new"), report_post(world, request_id=token))
    item = IntakeItem.objects.get()

    back = client.get(f"{url('report_new')}?barn={world.child1.pk}").content.decode()
    again = client.post(url("report_new"), report_post(world, request_id=_token(back)))

    page = again.content.decode()
    assert _token(back) == token
    assert item.reference in back
    assert again.status_code == 200
    assert "Redan skickad" in page
    assert item.reference in page
    assert url("sent_item", item.pk) in page
    assert "Ella berättade i dag att hon blir slagen hemma." in page
    assert 'name="confirm_duplicate" value="1"' in page
    assert IntakeItem.objects.count() == 1


def test_the_same_words_in_a_new_form_warn_with_the_earlier_receipt_and_send_anyway(
    login: Callable[[str], Client], world: Any
) -> None:
    """Issue #11, finding 1 (a re-fetched form with a new token): the same words about the
    same child within a day are not sent; the form comes back with the words, the earlier
    receipt and "Skicka ändå", which sends it, flagged for intake."""
    client = login("teacher")
    client.post(url("report_new"), report_post(world))
    first = IntakeItem.objects.get()

    warned = client.post(url("report_new"), report_post(world))
    anyway = client.post(url("report_new"), report_post(world, confirm_duplicate="1"))

    page = warned.content.decode()
    assert warned.status_code == 409
    assert "Du skickade samma text om samma barn för mindre än ett dygn sedan" in page
    assert first.reference in page
    assert url("sent_item", first.pk) in page
    assert 'name="confirm_duplicate" value="1"' in page
    assert "Ella berättade i dag att hon blir slagen hemma." in page
    assert anyway.status_code == 302
    second = IntakeItem.objects.exclude(pk=first.pk).get()
    assert second.likely_duplicate_of_id == first.pk
    client.force_login(world.users["intake"])
    item_page = client.get(reverse("intake:item", args=[second.pk])).content.decode()
    assert "Trolig dubblett" in item_page
    assert first.reference in item_page
    queue = client.get(reverse("intake:queue")).content.decode()
    assert queue.count("Trolig dubblett") == 1


def test_starting_a_new_form_after_sending_gives_a_new_token(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")
    token = _token(client.get(url("report_new")).content.decode())
    client.post(url("report_new"), report_post(world, request_id=token))

    restart = client.get(f"{url('report_new')}?ny=1")
    fresh = client.get(restart["Location"]).content.decode()

    assert restart.status_code == 302
    assert "ny=" not in restart["Location"]
    assert _token(fresh) != token
    assert "Du har redan skickat" not in fresh


def test_a_child_can_be_preselected(login: Callable[[str], Client], world: Any) -> None:
    client = login("teacher")

    page = client.get(f"{url('report_new')}?barn={world.child1.pk}").content.decode()

    assert f'<option value="{world.child1.pk}" selected>' in page


def test_a_report_is_sent_and_shows_a_receipt_at_once(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    response = client.post(url("report_new"), report_post(world), follow=True)

    item = IntakeItem.objects.get()
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{url('sent_item', item.pk)}?skickad=1"
    assert "Anmälan är skickad" in page
    assert item.reference in page
    assert "Mottagningen" in page
    assert timezone.localtime(item.received_at).strftime("%Y-%m-%d %H:%M") in page
    assert "Anmälan kan inte ändras eller återkallas, bara kompletteras." in page
    assert item.created_by == world.users["teacher"]
    assert item.observed.startswith("Ella berättade")
    assert item.reporter_phone == "013-12 34 56"
    assert item.wants_feedback
    entry = AuditEvent.objects.get(event="intake.report_submitted")
    assert entry.purpose == "reporting_duty"
    assert entry.child_ids == [str(world.child1.pk)]


def test_double_submit_of_a_report_makes_one_item(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")
    data = report_post(world)

    first = client.post(url("report_new"), data)
    second = client.post(url("report_new"), data)

    assert IntakeItem.objects.count() == 1
    assert first.status_code == 302
    assert "Redan skickad" in second.content.decode()
    assert first["Location"].split("?")[0] in second.content.decode()


def test_missing_report_fields_are_named_in_swedish_and_the_text_kept(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")
    data = report_post(
        world, situation="", needs_protection_now=None, guardians_informed=None, child=""
    )

    response = client.post(url("report_new"), data)

    page = response.content.decode()
    assert response.status_code == 400
    for message in (
        "Beskriv barnets situation just nu.",
        "Svara på om barnet kan behöva skydd nu.",
        "Svara på om vårdnadshavarna känner till anmälan.",
        "Välj vilket barn det gäller.",
    ):
        assert message in page
    assert "Ella berättade i dag att hon blir slagen hemma." in page
    assert "013-12 34 56" in page
    assert 'href="#id_situation"' in page
    assert not IntakeItem.objects.exists()


def test_unticked_feedback_is_kept_when_the_form_is_shown_again(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")
    data = report_post(world, observed="")
    del data["wants_feedback"]

    page = client.post(url("report_new"), data).content.decode()

    assert 'name="wants_feedback" type="checkbox"' in page
    assert 'name="wants_feedback" type="checkbox" checked' not in page


def test_a_child_at_another_school_cannot_be_reported_from_here(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    response = client.post(url("report_new"), report_post(world, child=str(world.child2.pk)))

    assert response.status_code == 400
    assert "Välj ett barn i listan." in response.content.decode()
    assert not IntakeItem.objects.exists()


def test_a_database_failure_keeps_the_text_and_says_nothing_was_saved(
    login: Callable[[str], Client], world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**kwargs: Any) -> IntakeItem:
        raise DatabaseError("database is locked")

    monkeypatch.setattr(services, "report_submit", fail)
    client = login("teacher")

    response = client.post(url("report_new"), report_post(world))

    page = response.content.decode()
    assert response.status_code == 503
    assert "Det gick inte att skicka just nu. Ingenting sparades. Försök igen." in page
    assert "Ella berättade i dag att hon blir slagen hemma." in page
    assert not IntakeItem.objects.exists()


def test_a_report_from_a_consultation_is_linked_to_it(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")
    client.post(url("consultation_new"), consultation_post(world))
    consultation = Consultation.objects.get()

    form = client.get(f"{url('report_new')}?konsultation={consultation.pk}").content.decode()
    client.post(url("report_new"), report_post(world, consultation=str(consultation.pk)))

    assert f'value="{consultation.pk}"' in form
    assert consultation.reference in form
    assert IntakeItem.objects.get().consultation_id == consultation.pk
    page = client.get(url("consultation_sent", consultation.pk)).content.decode()
    assert "Konsultationen ledde till" in page
    assert "Gör en orosanmälan" not in page


# Support request with consent.


def test_request_starts_with_the_choice_of_child(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("counsellor")

    response = client.get(url("request_new"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Vilket barn gäller det?" in page
    assert 'method="post"' in page
    assert 'name="barn"' in page


def test_the_request_child_is_searched_by_post_and_chosen_with_ids_only(
    login: Callable[[str], Client], world: Any
) -> None:
    """The search text (a name, an identity number) never goes into a URL; the choice goes
    on to step two with the ids alone."""
    client = login("counsellor")
    number = world.child1.identity_number

    found = client.post(url("request_new"), {"action": "search", "q": number})
    chosen = client.post(
        url("request_new"),
        {"action": "choose", "skola": str(world.school1.pk), "barn": str(world.child1.pk)},
    )

    assert f'<option value="{world.child1.pk}" selected>' in found.content.decode()
    assert chosen.status_code == 302
    assert chosen["Location"] == (
        f"{url('request_new')}?skola={world.school1.pk}&barn={world.child1.pk}"
    )
    assert number not in chosen["Location"]


def test_without_a_consent_the_request_offers_to_record_one(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("counsellor")

    response = client.get(f"{url('request_new')}?barn={world.child1.pk}")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Det finns inget samtycke som gäller nu" in page
    assert reverse("consent:record", kwargs={"child_id": world.child1.pk}) in page
    assert 'name="support_wished"' not in page


def test_a_teacher_is_told_who_records_the_consent(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    page = client.get(f"{url('request_new')}?barn={world.child1.pk}").content.decode()

    assert "Rektor eller elevhälsan registrerar samtycket." in page
    assert reverse("consent:record", kwargs={"child_id": world.child1.pk}) not in page


def test_a_request_is_sent_with_the_chosen_consent(
    login: Callable[[str], Client], world: Any
) -> None:
    consent = make_consent(world)
    client = login("counsellor")

    form = client.get(f"{url('request_new')}?barn={world.child1.pk}").content.decode()
    response = client.post(
        url("request_new"),
        {
            "request_id": str(uuid.uuid4()),
            "school": str(world.school1.pk),
            "child": str(world.child1.pk),
            "consent": str(consent.pk),
            "support_wished": "Samtal med skolsocialt team.",
            "situation": "Ella har svårt att komma till skolan.",
        },
        follow=True,
    )

    assert "Samordnat stöd från skolsocialt team" in form
    assert f"Gäller till och med {consent.valid_to:%Y-%m-%d}" in form
    item = IntakeItem.objects.get()
    assert item.kind == "support_request"
    assert item.consent_id == consent.pk
    page = response.content.decode()
    assert "Begäran är skickad" in page
    assert item.reference in page
    entry = AuditEvent.objects.get(event="intake.support_request_submitted")
    assert entry.purpose == f"consent:{consent.pk}"


def test_a_request_without_text_keeps_the_choice_and_names_the_fields(
    login: Callable[[str], Client], world: Any
) -> None:
    consent = make_consent(world)
    client = login("counsellor")

    response = client.post(
        url("request_new"),
        {
            "request_id": str(uuid.uuid4()),
            "school": str(world.school1.pk),
            "child": str(world.child1.pk),
            "consent": str(consent.pk),
            "support_wished": "",
            "situation": "Ella har svårt att komma till skolan.",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Beskriv vilket stöd som önskas." in page
    assert f'value="{consent.pk}" aria-describedby="id_consent_0-hint" checked' in page
    assert "Ella har svårt att komma till skolan." in page
    assert not IntakeItem.objects.exists()


def test_a_request_for_a_child_at_another_school_goes_back_to_the_choice(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("counsellor")

    response = client.post(
        url("request_new"),
        {"school": str(world.school1.pk), "child": str(world.child2.pk), "consent": ""},
    )

    assert response.status_code == 400
    assert "Vilket barn gäller det?" in response.content.decode()


# What the school sent.


def test_sent_list_shows_items_and_consultations_in_constant_queries(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("principal")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("sent_list"))
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        make_report(world)
        services.consultation_submit(
            actor=actor_of(world.users["teacher"]),
            school_id=world.school1.pk,
            age_group="6-9",
            question="Hur gör vi när ett barn ofta kommer för sent?",
        )
    three = count()
    for _ in range(3):
        make_report(world, user="teacher")
        services.consultation_submit(
            actor=actor_of(world.users["principal"]),
            school_id=world.school1.pk,
            age_group="10-12",
            question="Hur gör vi när ett barn ofta är hungrigt?",
        )
    six = count()

    assert three == six == SENT_LIST_QUERIES
    page = client.get(url("sent_list")).content.decode()
    assert all(item.reference in page for item in IntakeItem.objects.all())
    assert all(c.reference in page for c in Consultation.objects.all())
    assert "Mottagen av socialtjänsten" in page


def test_the_principal_sees_the_schools_items_but_a_teacher_only_their_own(
    login: Callable[[str], Client], world: Any
) -> None:
    mine = make_report(world, user="teacher")
    theirs = make_report(world, user="counsellor")

    principal = login("principal").get(url("sent_list")).content.decode()
    teacher = login("teacher").get(url("sent_list")).content.decode()

    assert mine.reference in principal
    assert theirs.reference in principal
    assert mine.reference in teacher
    assert theirs.reference not in teacher


@pytest.mark.parametrize("user", ["principal2", "principal_b", "teacher"])
def test_an_item_the_actor_did_not_send_is_not_found_and_logged(
    login: Callable[[str], Client], world: Any, user: str
) -> None:
    item = make_report(world, user="principal")
    client = login(user)
    before = denials()

    responses = [
        client.get(url("sent_item", item.pk)),
        client.post(url("supplement", item.pk), {"body": "x", "request_id": str(uuid.uuid4())}),
        client.post(url("feedback_request", item.pk)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert denials() == before + 3
    assert not AuditEvent.objects.filter(event="intake.sent_item_viewed").exists()
    assert not Supplement.objects.exists()


def test_opening_a_sent_item_is_an_audited_read(login: Callable[[str], Client], world: Any) -> None:
    item = make_report(world, user="teacher")
    client = login("principal")

    response = client.get(url("sent_item", item.pk))

    assert response.status_code == 200
    entry = AuditEvent.objects.get(event="intake.sent_item_viewed")
    assert entry.actor_username == "rektor"
    assert entry.object_id == str(item.pk)
    assert entry.child_ids == [str(world.child1.pk)]
    assert entry.action == AuditAction.VIEW


def test_the_outcome_is_shown_only_after_feedback_and_never_the_handling(
    login: Callable[[str], Client], world: Any
) -> None:
    item = make_report(world)
    client = login("principal")
    intake = actor_of(world.users["intake"])

    before = client.get(url("sent_item", item.pk)).content.decode()
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=False, assessment=SECRET_ASSESSMENT
    )
    services.decision_record(
        actor=intake,
        item_id=item.pk,
        decision=IntakeItem.Decision.OPENED,
        reason=SECRET_REASON,
        give_feedback_now=True,
    )
    after = client.get(url("sent_item", item.pk)).content.decode()

    assert "Utredning inleds" not in before
    assert "Återkoppling begärd" in before
    assert "Utredning inleds" in after
    assert "Återkoppling lämnad" in after
    for page in (before, after):
        assert SECRET_ASSESSMENT not in page
        assert SECRET_REASON not in page
        assert "Skyddsbedömning" not in page
    viewed = AuditEvent.objects.filter(event="intake.sent_item_viewed").order_by("seq")
    assert [e.details["outcome_shown"] for e in viewed] == [False, True]


def test_a_decision_without_feedback_shows_no_outcome(
    login: Callable[[str], Client], world: Any
) -> None:
    item = make_report(world)
    intake = actor_of(world.users["intake"])
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=False, assessment=SECRET_ASSESSMENT
    )
    services.decision_record(
        actor=intake, item_id=item.pk, decision=IntakeItem.Decision.NOT_OPENED, reason="x"
    )
    client = login("principal")

    page = client.get(url("sent_item", item.pk)).content.decode()

    assert "Utredning inleds inte" not in page
    assert "Mottagen av socialtjänsten" in page


def test_a_supplement_is_added_once_and_shown(login: Callable[[str], Client], world: Any) -> None:
    item = make_report(world, user="teacher")
    client = login("teacher")
    data = {"body": "Ella kom inte till skolan i dag.", "request_id": str(uuid.uuid4())}

    first = client.post(url("supplement", item.pk), data)
    second = client.post(url("supplement", item.pk), data)
    page = client.get(url("sent_item", item.pk)).content.decode()

    assert first.status_code == 302
    assert first["Location"] == url("sent_item", item.pk)
    assert "Redan skickad" in second.content.decode()
    assert _token(page) != data["request_id"]  # the page offers a new supplement
    assert Supplement.objects.count() == 1
    assert "Ella kom inte till skolan i dag." in page
    item.refresh_from_db()
    assert item.observed == "Ella har blåmärken på armarna."  # the original never changes


def test_an_empty_supplement_is_refused_in_swedish(
    login: Callable[[str], Client], world: Any
) -> None:
    item = make_report(world, user="teacher")
    client = login("teacher")

    response = client.post(
        url("supplement", item.pk), {"body": " ", "request_id": str(uuid.uuid4())}
    )

    assert response.status_code == 400
    assert "Skriv det du vill komplettera med." in response.content.decode()
    assert not Supplement.objects.exists()


def test_the_reporter_can_ask_for_feedback_afterwards(
    login: Callable[[str], Client], world: Any
) -> None:
    item = make_report(world, user="teacher", wants_feedback=False)
    client = login("teacher")

    page = client.get(url("sent_item", item.pk)).content.decode()
    response = client.post(url("feedback_request", item.pk), follow=True)

    assert "Be om återkoppling" in page
    item.refresh_from_db()
    assert item.feedback_requested_at is not None
    assert "Du har bett om återkoppling." in response.content.decode()
    assert AuditEvent.objects.filter(event="intake.feedback_requested").count() == 1


def test_only_the_reporter_can_ask_for_feedback(login: Callable[[str], Client], world: Any) -> None:
    item = make_report(world, user="teacher", wants_feedback=False)
    client = login("principal")
    before = denials()

    page = client.get(url("sent_item", item.pk)).content.decode()
    response = client.post(url("feedback_request", item.pk))

    assert "Be om återkoppling" not in page
    assert response.status_code == 403
    assert denials() == before + 1
    item.refresh_from_db()
    assert item.feedback_requested_at is None


# The start page and the navigation.


def test_school_staff_start_with_the_way_in_and_what_they_sent(
    login: Callable[[str], Client], world: Any
) -> None:
    item = make_report(world)
    client = login("principal")

    page = client.get(reverse("start")).content.decode()

    assert f'href="{url("entry")}"' in page
    assert "Senast skickat till socialtjänsten" in page
    assert item.reference in page
    assert "Ella" not in page  # the start page lists references, not children
    assert "Din kontakt i socialtjänsten" in page  # the existing content stays


def test_the_recent_list_is_bounded_to_five(login: Callable[[str], Client], world: Any) -> None:
    items = [make_report(world) for _ in range(6)]
    client = login("principal")

    page = client.get(reverse("start")).content.decode()

    assert items[0].reference not in page
    assert all(i.reference in page for i in items[1:])


def test_intake_starts_with_the_queues_and_admin_with_routing(
    login: Callable[[str], Client],
) -> None:
    intake = login("intake").get(reverse("start")).content.decode()
    admin = login("admin").get(reverse("start")).content.decode()
    steering = login("steering").get(reverse("start")).content.decode()

    assert url("queue") in intake
    assert url("consultation_queue") in intake
    assert f'href="{url("entry")}"' not in intake
    assert url("routing") in admin
    assert url("queue") not in admin
    for name in ("entry", "queue", "routing"):
        assert url(name) not in steering


def test_a_principal_of_two_schools_chooses_school_and_child_by_group(
    login: Callable[[str], Client], world: Any
) -> None:
    RoleAssignmentFactory(user=world.users["principal"], role=Role.PRINCIPAL, unit=world.school2)
    extra = ChildFactory(
        municipality=world.a,
        identity_number=generate_identity_number(datetime.date(2014, 2, 3), 456),
    )
    EnrolmentFactory(child=extra, school=world.school2)
    client = login("principal")

    page = client.post(url("report_new"), {"action": "search", "q": "o"}).content.decode()

    assert '<optgroup label="Björkskolan">' in page
    assert '<optgroup label="Ekskolan">' in page
    assert f'type="radio" value="{world.school2.pk}"' in page
    assert "Olle Berg" in page  # child2 goes to school2


def test_the_error_summary_links_a_radio_group_to_its_first_option(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    page = client.post(url("report_new"), report_post(world, needs_protection_now=None)).content
    text = page.decode()

    assert 'href="#id_needs_protection_now_0"' in text
    assert 'id="id_needs_protection_now_0"' in text


def test_lists_of_children_on_the_school_side_are_audited(login: Any, world: Any) -> None:
    """The sent list and the request form's consents are reads of children's data: each
    leaves an audit entry (the child search on the forms is audited by the search)."""
    client = login("principal")
    client.get(reverse("intake:sent_list"))
    assert AuditEvent.objects.filter(event="intake.sent_listed", actor_username="rektor").exists()
    client.get(reverse("intake:request_new") + f"?skola={world.school1.pk}&barn={world.child1.pk}")
    viewed = AuditEvent.objects.get(event="intake.request_consents_viewed")
    assert viewed.child_ids == [str(world.child1.pk)]


def test_a_consent_only_social_services_confirmed_cannot_carry_the_schools_request(
    world: Any,
) -> None:
    # The holder discloses (DESIGN principle 8): the school sends only on a consent it confirmed.
    make_consent(world, confirmed=("social_services",))
    assert services.consents_for_request(child=world.child1, school_id=world.school1.pk) == []
    confirmed = make_consent(world)
    usable = services.consents_for_request(child=world.child1, school_id=world.school1.pk)
    assert [v.consent.pk for v in usable] == [confirmed.pk]


def test_sent_items_are_the_newest_of_own_and_led_school_items_merged(world: Any) -> None:
    """The principal's sent items: their own reports and their school's, one query taking the
    newest of each side (issue #16), merged newest first and cut at the limit."""
    from samverkan.intake import selectors

    made = []
    for n in range(6):
        item = make_report(world, user="principal" if n % 2 else "teacher")
        # Distinct, interleaved receipt times: own and the school's alternate.
        IntakeItem.objects.filter(pk=item.pk).update(
            received_at=timezone.now() - datetime.timedelta(hours=10 - n)
        )
        made.append(item.pk)
    principal = actor_of(world.users["principal"])
    teacher = actor_of(world.users["teacher"])

    newest_four = [view.item.pk for view in selectors.sent_items(actor=principal, limit=4)]
    teacher_own = [view.item.pk for view in selectors.sent_items(actor=teacher, limit=2)]

    assert newest_four == made[::-1][:4]
    assert teacher_own == [made[4], made[2]]  # only the teacher's own, newest first
    # The short list (the start page) and the full one (the list of everything sent) agree.
    full = selectors.sent_items(actor=principal, limit=4, full=True)
    assert [view.item.pk for view in full] == newest_four
    short = selectors.sent_items(actor=principal, limit=4)
    assert [(v.item.reference, v.item.status, v.status_label) for v in short] == [
        (v.item.reference, v.item.status, v.status_label) for v in full
    ]

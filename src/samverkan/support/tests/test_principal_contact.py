"""The principal contacts the team's school-responsible member (R2.8): a request on the work
lead's board; accepted or declined with a reason the principal sees. Who may send (the principal
of the pupil's school only) and every denied case; the same request twice makes one."""

import uuid
from typing import Any

import pytest
from django.urls import reverse

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.core.errors import AccessDenied, NotFound
from samverkan.intake.models import TeamSchoolContact
from samverkan.notifications.models import Notification
from samverkan.support import policies, selectors, services
from samverkan.support.errors import EpisodeInvalid
from samverkan.support.models import Episode
from samverkan.support.tests.test_views import _client


@pytest.fixture
def contact(sw: Any) -> TeamSchoolContact:
    """The team's school-responsible member for school1 is the team social worker."""
    w = sw.world
    return TeamSchoolContact.objects.create(
        municipality=w.a, team=w.team, school=w.school1, member=sw.users["team_worker"]
    )


def _send(sw: Any, user: str = "principal", child: Any = None, **kwargs: Any) -> Episode:
    return services.episode_request_from_principal(
        actor=actor_of(sw.users[user]),
        child_id=(child or sw.world.child1).pk,
        team_id=kwargs.pop("team_id", sw.world.team.pk),
        note=kwargs.pop("note", "Eleven är ofta borta; familjen vill ha stöd."),
        **kwargs,
    )


def test_the_request_lands_on_the_board_and_tells_the_lead_and_the_responsible_member(
    sw: Any, contact: TeamSchoolContact
) -> None:
    ep = _send(sw)

    assert ep.status == Episode.Status.REQUESTED
    assert ep.source == Episode.Source.PRINCIPAL_CONTACT
    assert ep.referring_school_id == sw.world.school1.pk
    board = selectors.board(actor=actor_of(sw.users["work_lead"]))
    assert ep.pk in {r["id"] for r in board.requests}
    told = set(
        Notification.objects.filter(kind="support.request").values_list("recipient_id", flat=True)
    )
    assert {sw.users["work_lead"].pk, sw.users["team_worker"].pk} <= told
    event = AuditEvent.objects.get(event="support.requested", object_id=str(ep.pk))
    assert event.details["school_responsible"] == str(sw.users["team_worker"].pk)


def test_the_same_request_id_makes_one_request(sw: Any, contact: TeamSchoolContact) -> None:
    rid = uuid.uuid4()

    first = _send(sw, request_id=rid)
    again = _send(sw, request_id=rid)

    assert first.pk == again.pk
    assert Episode.objects.filter(source=Episode.Source.PRINCIPAL_CONTACT).count() == 1


@pytest.mark.parametrize(
    ("user", "child", "error"),
    [
        ("principal2", "child1", NotFound),  # another school's principal: the pupil is not theirs
        ("principal", "child2", NotFound),  # a pupil of another school
        ("teacher", "child1", AccessDenied),  # school staff go through the one way in
        ("counsellor", "child1", AccessDenied),
        ("team_worker", "child1", AccessDenied),  # team staff see the child, send nothing
        ("intake", "child1", AccessDenied),
        ("principal_b", "child1", NotFound),  # another municipality
    ],
)
def test_who_may_not_send(
    sw: Any, contact: TeamSchoolContact, user: str, child: str, error: Any
) -> None:
    with pytest.raises(error):
        _send(sw, user, getattr(sw.world, child))

    assert not Episode.objects.filter(source=Episode.Source.PRINCIPAL_CONTACT).exists()


def test_a_team_without_a_responsible_member_for_the_school_is_refused(sw: Any) -> None:
    with pytest.raises(EpisodeInvalid) as raised:
        _send(sw, note=" ")

    assert set(raised.value.details) == {"team", "note"}


def test_the_pure_decision_and_its_filter_twin_agree(sw: Any, contact: TeamSchoolContact) -> None:
    ep = _send(sw)
    w = sw.world
    for user in ("principal", "principal2", "teacher", "work_lead", "principal_b"):
        actor = actor_of(sw.users[user])
        facts = policies.SentRequestFacts(ep.municipality_id, ep.source, ep.referring_school_id)
        listed = Episode.objects.filter(policies.sent_requests_visible_to(actor), pk=ep.pk).exists()
        assert bool(policies.can_view_sent_request(actor, facts)) == listed, user
    principal = actor_of(sw.users["principal"])
    facts = policies.ContactFacts(w.a.pk, frozenset({w.school1.pk}))
    assert policies.can_send_team_request(principal, facts)
    assert not policies.can_send_team_request(principal, facts, w.school2.pk)
    assert not policies.can_send_team_request(actor_of(sw.users["principal2"]), facts)


def test_the_principal_sees_the_decline_and_its_reason(sw: Any, contact: TeamSchoolContact) -> None:
    ep = _send(sw)
    services.episode_decline(
        actor=actor_of(sw.users["work_lead"]),
        episode_id=ep.pk,
        reason="Familjeteamet passar bättre.",
    )

    page = _client(sw.users["principal"]).get(reverse("support:sent"))
    other = _client(sw.users["principal2"]).get(reverse("support:sent"))
    teacher = _client(sw.users["teacher"]).get(reverse("support:sent"))

    assert page.status_code == 200
    assert "Familjeteamet passar bättre." in page.content.decode()
    assert "Familjeteamet passar bättre." not in other.content.decode()
    assert teacher.status_code == 403
    notice = Notification.objects.get(
        kind="support.request_decided", recipient=sw.users["principal"]
    )
    assert notice.url == reverse("support:sent")


def test_the_page_sends_once_and_keeps_the_words_on_bad_input(
    sw: Any, contact: TeamSchoolContact
) -> None:
    client = _client(sw.users["principal"])
    url = reverse("support:team_request", args=[sw.world.child1.pk])
    form = client.get(url)
    token = form.context["form"]["request_id"].value()
    team = f"{sw.world.team.pk}:{sw.world.school1.pk}"

    bad = client.post(url, {"request_id": token, "team": "", "note": "Orden finns kvar"})
    sent = client.post(url, {"request_id": token, "team": team, "note": "Orden finns kvar"})
    again = client.post(url, {"request_id": token, "team": team, "note": "Orden finns kvar"})

    assert form.status_code == 200
    assert "skolansvarig: " in form.content.decode()
    assert bad.status_code == 400
    assert "Orden finns kvar" in bad.content.decode()
    assert sent.status_code == 302
    assert "Redan skickad" in again.content.decode()
    assert Episode.objects.filter(source=Episode.Source.PRINCIPAL_CONTACT).count() == 1


@pytest.mark.parametrize(("user", "status"), [("teacher", 403), ("principal2", 404)])
def test_the_page_refuses_others(
    sw: Any, contact: TeamSchoolContact, user: str, status: int
) -> None:
    url = reverse("support:team_request", args=[sw.world.child1.pk])

    response = _client(sw.users[user]).get(url)

    assert response.status_code == status


def test_the_childs_page_offers_the_contact_to_the_principal_only(
    sw: Any, contact: TeamSchoolContact
) -> None:
    url = reverse("children:detail", args=[sw.world.child1.pk])
    link = reverse("support:team_request", args=[sw.world.child1.pk])

    assert link in _client(sw.users["principal"]).get(url).content.decode()
    assert link not in _client(sw.users["teacher"]).get(url).content.decode()

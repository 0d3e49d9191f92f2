"""Issue 17, finding 2: a child with protected identity is marked wherever the child is named:
the consent pages and the printed form, the report and support forms' child choice, the
receipt and the sent list (the API: test_api_protected)."""

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from samverkan.consent.tests import factories as consent_factories
from samverkan.intake.tests.test_api import report

MARKING = "Skyddade personuppgifter"


def signed_in(world: Any, user: str) -> Client:
    client = Client()
    client.force_login(world.users[user])
    client.get("/")
    return client


@pytest.fixture
def consent(world: Any) -> Any:
    return consent_factories.give_consent(
        child=world.protected,
        units=[world.school1, world.team],
        recorded_by=world.users["counsellor"],
        categories=["social_situation"],
    )


@pytest.fixture
def sent_item_id(world: Any) -> str:
    teacher = signed_in(world, "teacher")
    response = teacher.post(
        "/api/intake/reports",
        report(world, child_id=str(world.protected.pk)),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    item_id: str = response.json()["id"]
    return item_id


def pages(world: Any, consent: Any, sent_item_id: str) -> list[tuple[str, str]]:
    child = world.protected
    return [
        ("counsellor", reverse("consent:record", kwargs={"child_id": child.pk})),
        (
            "counsellor",
            reverse("consent:detail", kwargs={"child_id": child.pk, "consent_id": consent.pk}),
        ),
        ("counsellor", reverse("intake:report_new") + f"?barn={child.pk}"),
        ("teacher", reverse("intake:sent_item", kwargs={"item_id": sent_item_id})),
        ("teacher", reverse("intake:sent_list")),
    ]


def test_every_page_that_names_a_protected_child_marks_it(
    world: Any, consent: Any, sent_item_id: str
) -> None:
    unmarked = []
    for user, url in pages(world, consent, sent_item_id):
        response = signed_in(world, user).get(url)
        assert response.status_code == 200, (url, response.status_code)
        page = response.content.decode()
        assert world.protected.given_name in page, url
        if MARKING not in page:
            unmarked.append(url)

    assert unmarked == []


def test_an_unprotected_child_is_not_marked(world: Any) -> None:
    url = reverse("consent:record", kwargs={"child_id": world.child1.pk})

    page = signed_in(world, "counsellor").get(url).content.decode()

    assert world.child1.given_name in page
    assert MARKING not in page


def test_the_printed_consent_form_marks_a_protected_child(world: Any, consent: Any) -> None:
    url = reverse(
        "consent:form_pdf", kwargs={"child_id": world.protected.pk, "consent_id": consent.pk}
    )

    response = signed_in(world, "counsellor").get(url)

    assert response.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert MARKING in " ".join(text.split())

"""The printed consent form: a tagged Swedish PDF with the consent's scope, one signature block
per guardian with custody, a page for the child, and never a contact detail or full number."""

import datetime
import io
import uuid

import pytest
from django.utils import timezone
from pypdf import PdfReader

from samverkan.access.actor import actor_load
from samverkan.audit.models import AuditEvent
from samverkan.children.models import Guardianship
from samverkan.children.tests.factories import GuardianFactory, GuardianshipFactory
from samverkan.consent import reports
from samverkan.consent.models import Consent, ConsentDirection, ConsentPurpose
from samverkan.core.errors import NotFound
from samverkan.core.models import RecordCategory


def _consent(world, child, purpose=ConsentPurpose.INFORMATION_EXCHANGE, **kwargs):
    today = timezone.localdate()
    consent = Consent.objects.create(
        municipality=world.a,
        child=child,
        purpose=purpose,
        purpose_text=kwargs.pop("purpose_text", "Planera stöd kring närvaron i skolan."),
        categories=[RecordCategory.SCHOOL_SITUATION, RecordCategory.SOCIAL_SITUATION],
        direction=ConsentDirection.BOTH,
        follows_child=False,
        valid_from=today,
        valid_to=today + datetime.timedelta(days=180),
        recorded_by=world.users["counsellor"],
        **kwargs,
    )
    consent.units.set([world.school1, world.team])
    return consent


def _actor(world, name):
    return actor_load(user=world.users[name])


def _text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() or "" for page in reader.pages]


def _flat(text: str) -> str:
    # Words wrap across lines in the extracted text; compare on single spaces.
    return " ".join(text.split())


def test_form_is_a_tagged_swedish_pdf_with_the_scope(world):
    consent = _consent(world, world.child1)
    pdf = reports.consent_form_pdf(
        actor=_actor(world, "counsellor"), child_id=world.child1.pk, consent_id=consent.pk
    )

    assert pdf.startswith(b"%PDF")
    reader, pages = _text(pdf)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "sv"
    assert root["/MarkInfo"]["/Marked"]
    assert "Samtycke till att dela uppgifter" in reader.metadata.title
    text = _flat(" ".join(pages))
    assert "Samtycke till att dela uppgifter mellan skola och socialtjänst" in text
    assert "Ella Andersson" in text
    assert world.child1.masked_identity_number in text
    assert world.child1.identity_number not in text.replace("-", "")
    assert world.child1.street_address not in text
    for expected in (
        "Planera stöd kring närvaron i skolan.",
        "Ekskolan",
        "Skolsocialt team",
        "Åt båda hållen",
        "Skolsituation och närvaro",
        "Social situation och insatser",
        "OSL 12 kap. 2–3 §§ och SoL 21 kap. 1–2 §§",
        "ta tillbaka samtycket",
    ):
        assert expected in text, expected
    guardian = Guardianship.objects.get(child=world.child1).guardian
    assert f"Vårdnadshavare: {guardian.given_name} {guardian.family_name}" in text
    assert guardian.phone not in text
    assert guardian.email not in text
    # The child's own page comes last, on a page of its own.
    assert "Till dig som är barn" in _flat(pages[-1])
    assert "Till dig som är barn" not in _flat(pages[0])
    assert "Du kan ändra dig" in _flat(pages[-1])


def test_form_is_audited_as_an_export(world):
    consent = _consent(world, world.child1)
    reports.consent_form_pdf(
        actor=_actor(world, "teacher"), child_id=world.child1.pk, consent_id=consent.pk
    )

    entry = AuditEvent.objects.get(event="consent.form_printed")
    assert entry.action == "export"
    assert entry.child_ids == [str(world.child1.pk)]
    assert entry.object_id == str(consent.pk)
    assert entry.actor_username == "larare"


def test_protected_child_form_has_no_contact_details(world):
    consent = _consent(world, world.protected)
    pdf = reports.consent_form_pdf(
        actor=_actor(world, "principal"), child_id=world.protected.pk, consent_id=consent.pk
    )

    text = _flat(" ".join(_text(pdf)[1]))
    assert "Sara Skyddad" in text
    assert "070-999 88 77" not in text
    assert "0709998877" not in text.replace(" ", "").replace("-", "")
    assert "hemlig@example.se" not in text
    assert "Hemligvägen" not in text
    assert world.protected.identity_number not in text.replace("-", "")


def test_one_signature_block_per_guardian_with_custody(world):
    second = GuardianFactory(municipality=world.a, given_name="Per", family_name="Andersson")
    GuardianshipFactory(child=world.child1, guardian=second)
    without = GuardianFactory(municipality=world.a, given_name="Utan", family_name="Vårdnad")
    GuardianshipFactory(child=world.child1, guardian=without, has_custody=False)
    consent = _consent(world, world.child1)

    form = reports.consent_form_build(
        child=world.child1, consent=consent, today=timezone.localdate()
    )

    assert len(form.guardians) == 2
    assert "Per Andersson" in form.guardians
    assert "Utan Vårdnad" not in form.guardians


def test_sip_form_has_its_own_title_and_law(world):
    consent = _consent(world, world.child1, purpose=ConsentPurpose.COORDINATED_PLAN)
    pdf = reports.consent_form_pdf(
        actor=_actor(world, "counsellor"), child_id=world.child1.pk, consent_id=consent.pk
    )

    text = _flat(" ".join(_text(pdf)[1]))
    assert "Samtycke till samordnad individuell plan (SIP)" in text
    assert "SoL 10 kap. 8–9 §§" in text


def test_child_signs_from_twelve_and_younger_children_are_heard(world):
    today = timezone.localdate()
    consent = _consent(world, world.child1)
    world.child1.birth_date = datetime.date(today.year - 13, 1, 1)
    assert reports.consent_form_build(child=world.child1, consent=consent, today=today).child_signs

    world.child1.birth_date = datetime.date(today.year - 8, 1, 1)
    world.child1.save()
    pdf = reports.consent_form_pdf(
        actor=_actor(world, "counsellor"), child_id=world.child1.pk, consent_id=consent.pk
    )
    assert "Barnets mening" in _flat(" ".join(_text(pdf)[1]))


def test_other_tenant_gets_not_found_and_nothing_is_audited(world):
    consent = _consent(world, world.child1)
    with pytest.raises(NotFound):
        reports.consent_form_pdf(
            actor=_actor(world, "principal_b"), child_id=world.child1.pk, consent_id=consent.pk
        )
    assert not AuditEvent.objects.filter(event="consent.form_printed").exists()


def test_user_who_cannot_see_the_child_gets_not_found(world):
    consent = _consent(world, world.child1)
    with pytest.raises(NotFound):
        reports.consent_form_pdf(
            actor=_actor(world, "principal2"), child_id=world.child1.pk, consent_id=consent.pk
        )
    assert not AuditEvent.objects.filter(event="consent.form_printed").exists()


def test_consent_of_another_child_gets_not_found(world):
    other = _consent(world, world.protected)
    with pytest.raises(NotFound):
        reports.consent_form_pdf(
            actor=_actor(world, "counsellor"), child_id=world.child1.pk, consent_id=other.pk
        )
    with pytest.raises(NotFound):
        reports.consent_form_pdf(
            actor=_actor(world, "counsellor"), child_id=world.child1.pk, consent_id=uuid.uuid4()
        )


@pytest.mark.parametrize(
    "url",
    [
        "https://fonts.example.com/font.woff2",
        "http://127.0.0.1:8000/x.css",
        "data:text/css,body{}",
        "file:///etc/passwd",
        (reports.PRINT_DIR / ".." / ".." / ".." / ".." / "models.py").as_uri(),
    ],
)
def test_renderer_reads_nothing_but_the_print_folder(url):
    with pytest.raises(ValueError, match="Refusing"):
        reports._url_fetcher().fetch(url)


def test_renderer_reads_the_print_stylesheet():
    response = reports._url_fetcher().fetch((reports.PRINT_DIR / "consent_form.css").as_uri())
    try:
        assert b"@page" in response.read()
    finally:
        response.close()

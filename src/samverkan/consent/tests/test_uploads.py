"""Issue 17, finding 1: evidence uploads cannot carry an attack.

The type comes from the content, never from the name or the declared Content-Type; the limit
holds while the body streams; files are stored under generated names, 0600, in MEDIA_ROOT; they
come back only through a view under the consent's policy, audited, as an attachment that no
browser renders in the app's origin.
"""

import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.consent import services
from samverkan.consent.models import Consent, ConsentConfirmation
from samverkan.consent.tests.test_holder_discloses import _school_recorded
from samverkan.consent.tests.test_views import record_url, valid_post
from samverkan.core import uploads

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
HTML_AS_PDF = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG_AS_PNG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
EXE_AS_PNG = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64

TYPE_ERROR = "Ladda upp underlaget som PDF, JPEG eller PNG."


@pytest.fixture
def counsellor(client: Client, world: Any) -> Client:
    client.force_login(world.users["counsellor"])
    return client


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()]


def signed(world: Any, upload: SimpleUploadedFile, **changes: Any) -> dict[str, Any]:
    return valid_post(
        world,
        **changes,
        evidence_kind="signed_form",
        evidence=upload,
        evidence_received_by=None,
        evidence_received_on=None,
        evidence_how=None,
    )


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("blankett.pdf", HTML_AS_PDF, "application/pdf"),
        ("blankett.png", SVG_AS_PNG, "image/png"),
        ("blankett.png", EXE_AS_PNG, "image/png"),
        ("blankett.svg", SVG_AS_PNG, "image/svg+xml"),
    ],
)
def test_content_that_is_not_pdf_png_or_jpeg_is_refused_whatever_it_is_called(
    counsellor: Client, world: Any, name: str, content: bytes, declared: str
) -> None:
    before = set(stored_files())
    upload = SimpleUploadedFile(name, content, declared)

    response = counsellor.post(record_url(world.child1), signed(world, upload))

    assert response.status_code == 400
    assert TYPE_ERROR in response.content.decode()
    assert not Consent.objects.exists()
    assert set(stored_files()) == before


def test_a_failed_submit_says_the_file_must_be_attached_again(
    counsellor: Client, world: Any
) -> None:
    upload = SimpleUploadedFile("blankett.png", PNG, "image/png")

    response = counsellor.post(record_url(world.child1), signed(world, upload, purpose_text=""))

    assert response.status_code == 400
    assert "Bifoga den underskrivna blanketten igen" in response.content.decode()


@pytest.mark.parametrize(("content", "extension"), [(PNG, "png"), (PDF, "pdf"), (JPEG, "jpg")])
def test_a_real_scan_is_stored_0600_in_the_data_directory_under_a_generated_name(
    counsellor: Client, world: Any, content: bytes, extension: str
) -> None:
    # The declared name, path and type are the attacker's: all ignored.
    upload = SimpleUploadedFile("../../../etc/evil.html", content, "text/html")

    response = counsellor.post(record_url(world.child1), signed(world, upload))

    assert response.status_code == 302
    stored = Path(Consent.objects.get().evidence.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert stored.suffix == f".{extension}"
    assert "evil" not in stored.name
    assert len(stored.stem) == 32
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stored.read_bytes() == content


def test_media_root_lies_in_the_data_directory() -> None:
    from samverkan.settings import base

    assert Path(base.MEDIA_ROOT).is_relative_to(base.DATA_DIR)
    assert base.FILE_UPLOAD_PERMISSIONS == 0o600


class Chunked:
    """Feeds a handler as Django's multipart parser does."""

    def __init__(self, handler: uploads.LimitedUploadHandler) -> None:
        self.handler = handler
        self.passed = 0

    def feed(self, total: int, chunk: int = 64 * 1024) -> Any:
        self.handler.new_file("evidence", "big.pdf", "application/pdf", total)
        sent = 0
        while sent < total:
            part = b"x" * min(chunk, total - sent)
            out = self.handler.receive_data_chunk(part, sent)
            if out is not None:
                self.passed += len(out)
            sent += len(part)
        return self.handler.file_complete(sent)


def test_the_handler_passes_on_nothing_past_the_limit(settings: Any) -> None:
    settings.SAMVERKAN_MAX_UPLOAD_BYTES = 100 * 1024
    feeder = Chunked(uploads.LimitedUploadHandler())

    result = feeder.feed(6 * 1024 * 1024)

    assert feeder.passed <= 100 * 1024
    assert isinstance(result, uploads.RefusedUpload)
    assert result.size > 100 * 1024
    assert result.read() == b""


def test_the_handler_leaves_a_file_within_the_limit_to_django(settings: Any) -> None:
    settings.SAMVERKAN_MAX_UPLOAD_BYTES = 100 * 1024
    feeder = Chunked(uploads.LimitedUploadHandler())

    assert feeder.feed(100 * 1024) is None
    assert feeder.passed == 100 * 1024


def test_an_oversized_upload_is_refused_with_its_message_and_nothing_kept(
    counsellor: Client, world: Any, settings: Any
) -> None:
    settings.SAMVERKAN_MAX_UPLOAD_BYTES = 4 * 1024
    before = set(stored_files())
    upload = SimpleUploadedFile("blankett.pdf", PDF + b"0" * 8 * 1024, "application/pdf")

    response = counsellor.post(record_url(world.child1), signed(world, upload))

    assert response.status_code == 400
    assert "Filen är större än 10 MB." in response.content.decode()
    assert not Consent.objects.exists()
    assert set(stored_files()) == before


# Serving the evidence back.


def recorded_with_scan(counsellor: Client, world: Any) -> Consent:
    upload = SimpleUploadedFile("blankett.pdf", PDF, "application/pdf")
    assert counsellor.post(record_url(world.child1), signed(world, upload)).status_code == 302
    return Consent.objects.get()


def evidence_url(consent: Consent) -> str:
    return reverse(
        "consent:evidence", kwargs={"child_id": consent.child_id, "consent_id": consent.pk}
    )


def test_the_recorder_downloads_the_scan_as_a_sandboxed_attachment_and_it_is_logged(
    counsellor: Client, world: Any
) -> None:
    consent = recorded_with_scan(counsellor, world)
    detail = counsellor.get(
        reverse("consent:detail", kwargs={"child_id": consent.child_id, "consent_id": consent.pk})
    )
    assert evidence_url(consent) in detail.content.decode()

    response = counsellor.get(evidence_url(consent))

    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    event = AuditEvent.objects.filter(event="consent.evidence_opened").get()
    assert event.object_id == str(consent.pk)
    assert event.child_ids == [str(consent.child_id)]
    assert event.actor_user_id == world.users["counsellor"].pk


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("teacher", 403),  # sees the child and that a scan exists, not the scan
        ("nurse", 200),  # student health of the child's school records consent
        ("principal", 200),
        ("team_worker", 200),  # social services named in the consent, with the child's case
        ("principal2", 404),  # another school: the consent does not name it
        ("principal_b", 404),  # another tenant
        ("steering", 403),  # no search role: stopped at the door
    ],
)
def test_who_may_open_the_scan(client: Client, world: Any, user: str, status: int) -> None:
    client.force_login(world.users["counsellor"])
    consent = recorded_with_scan(client, world)
    client.logout()
    client.force_login(world.users[user])
    events = AuditEvent.objects.filter(event="consent.evidence_opened").count()

    response = client.get(evidence_url(consent))

    assert response.status_code == status
    opened = AuditEvent.objects.filter(event="consent.evidence_opened").count() - events
    assert opened == (1 if status == 200 else 0)


def test_anonymous_is_sent_to_the_login_page(client: Client, world: Any) -> None:
    client.force_login(world.users["counsellor"])
    consent = recorded_with_scan(client, world)
    client.logout()

    response = client.get(evidence_url(consent))

    assert response.status_code == 302
    assert "/logga-in/" in response["Location"]


def test_the_scan_is_not_found_under_another_childs_address(counsellor: Client, world: Any) -> None:
    consent = recorded_with_scan(counsellor, world)
    url = reverse(
        "consent:evidence", kwargs={"child_id": world.child2.pk, "consent_id": consent.pk}
    )

    assert counsellor.get(url).status_code == 404


def test_a_consent_without_a_scan_has_nothing_to_download(counsellor: Client, world: Any) -> None:
    consent = _school_recorded(world)

    assert counsellor.get(evidence_url(consent)).status_code == 404


def test_a_confirmations_scan_is_served_to_the_confirmer_and_the_recorder(
    client: Client, world: Any
) -> None:
    consent = _school_recorded(world)
    services.consent_confirm(
        actor=actor_of(world.users["team_worker"]),
        consent_id=consent.pk,
        proof=services.EvidenceInput("signed_form"),
        evidence=SimpleUploadedFile("x.html", PNG, "text/html"),
    )
    confirmation = ConsentConfirmation.objects.get(consent=consent, side="social_services")
    assert Path(confirmation.evidence.path).suffix == ".png"
    url = reverse(
        "consent:confirmation_evidence",
        kwargs={
            "child_id": consent.child_id,
            "consent_id": consent.pk,
            "confirmation_id": confirmation.pk,
        },
    )

    for user, status in (("team_worker", 200), ("counsellor", 200), ("teacher", 403)):
        client.force_login(world.users[user])
        assert client.get(url).status_code == status, user

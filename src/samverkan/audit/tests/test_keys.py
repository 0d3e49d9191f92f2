"""The audit keyring (SAMVERKAN_AUDIT_KEYS) and the request id written into entries."""

import base64
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from pytest_django.fixtures import Settings

from samverkan.audit import keys
from samverkan.audit.keys import keyring, new_key_text, parse_keyring
from samverkan.audit.models import AuditEvent

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"b" * 40).decode().rstrip("=")


def test_the_first_key_signs_and_every_key_verifies() -> None:
    old = parse_keyring(f"old:{KEY_A}")
    ring = parse_keyring(f"new:{KEY_B}, old:{KEY_A}")

    mac = old.sign(b"entry")

    assert ring.signing_id == "new"
    assert ring.sign(b"entry").startswith("new:")
    assert ring.verify(b"entry", mac)
    assert ring.verifier().check(b"entry", mac)
    assert not ring.verify(b"entry!", mac)
    assert not parse_keyring(f"new:{KEY_B}").verify(b"entry", mac)  # the old key retired


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "holds no key"),
        (KEY_A, "pair 1 is not id:key"),
        (f"a b:{KEY_A}", "pair 1 is not id:key"),
        (f"k1:{KEY_A},k1:{KEY_B}", "appears twice"),
        ("k1:c2hvcnQ=", "not base64 of at least 32 bytes"),
        ("k1:not base64!", "not base64 of at least 32 bytes"),
    ],
)
def test_a_bad_keyring_is_refused_without_showing_a_key(text: str, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=problem) as refused:
        parse_keyring(text)

    assert KEY_A not in str(refused.value)


def test_a_new_key_parses() -> None:
    assert parse_keyring(new_key_text("k2")).signing_id == "k2"


def test_without_keys_the_demo_generates_one_key_file(settings: Settings, tmp_path: Path) -> None:
    settings.AUDIT_KEYS = ""
    settings.AUDIT_KEY_FILE = tmp_path / "audit-dev.key"

    first = keyring()
    keys._key_file_text.cache_clear()
    again = keyring()

    assert first == again
    assert first.signing_id == "dev"
    assert (tmp_path / "audit-dev.key").stat().st_mode & 0o777 == 0o600


def test_without_keys_or_key_file_audit_writes_fail(settings: Settings) -> None:
    settings.AUDIT_KEYS = ""
    settings.AUDIT_KEY_FILE = None

    with pytest.raises(ImproperlyConfigured, match="SAMVERKAN_AUDIT_KEYS"):
        keyring()


def test_the_request_id_is_the_servers_and_a_clients_is_kept_in_the_details(
    client: Client, world: Any
) -> None:
    client.force_login(world.users["log_reviewer"])

    response = client.get("/logg/", HTTP_X_REQUEST_ID="klientens-id-1")

    entry = AuditEvent.objects.get(event="audit.viewed")
    assert entry.request_id == response["X-Request-ID"] != "klientens-id-1"
    assert len(entry.request_id) == 32
    assert entry.details["client_request_id"] == "klientens-id-1"


def test_a_client_request_id_that_is_no_plain_token_is_dropped(client: Client, world: Any) -> None:
    client.force_login(world.users["log_reviewer"])

    client.get("/logg/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")

    entry = AuditEvent.objects.get(event="audit.viewed")
    assert "client_request_id" not in entry.details

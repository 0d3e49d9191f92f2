"""The operations commands the systemd units run: alert and check_worker, and the production
settings' refusal and proxy handling. Audit checkpoints reach the system log through the logger
`samverkan.audit.checkpoint` (docs/runbooks/audit.md), not a command."""

import socket

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import RequestFactory, override_settings

from samverkan.core.proxy import client_ip
from samverkan.settings.environment import REQUIRED, missing_or_invalid, refusal

GOOD = {
    "SAMVERKAN_SECRET_KEY": "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789",
    "SAMVERKAN_ALLOWED_HOSTS": "samverkan.kommun.se",
    "SAMVERKAN_BASE_URL": "https://samverkan.kommun.se",
    "SAMVERKAN_FROM_EMAIL": "samverkan@kommun.se",
    "SAMVERKAN_AUDIT_KEYS": "k1:c2VjcmV0",
}


def test_production_needs_the_secret_key_hosts_address_sender_and_audit_keys() -> None:
    assert set(REQUIRED) == {
        "SAMVERKAN_SECRET_KEY",
        "SAMVERKAN_ALLOWED_HOSTS",
        "SAMVERKAN_BASE_URL",
        "SAMVERKAN_FROM_EMAIL",
        "SAMVERKAN_AUDIT_KEYS",
    }


def test_a_complete_environment_has_no_problems() -> None:
    assert missing_or_invalid(GOOD) == []


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_each_missing_variable_is_named_with_what_it_is(name: str) -> None:
    environ = {**GOOD, name: "  "}

    problems = missing_or_invalid(environ)

    assert len(problems) == 1
    assert problems[0].startswith(f"{name} is not set: ")


def test_every_missing_variable_is_named_at_once() -> None:
    message = refusal(missing_or_invalid({}))

    for name in REQUIRED:
        assert name in message
    assert "docs/runbooks/production.md" in message
    assert "secrets.token_urlsafe(32)" in message


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("SAMVERKAN_SECRET_KEY", "short", "too short"),
        ("SAMVERKAN_SECRET_KEY", "dev-only-not-secret-" + "x" * 40, "development key"),
        ("SAMVERKAN_BASE_URL", "http://samverkan.kommun.se", "must start with https://"),
        ("SAMVERKAN_FROM_EMAIL", "samverkan", "must be an e-mail address"),
    ],
)
def test_unusable_values_are_refused(name: str, value: str, said: str) -> None:
    problems = missing_or_invalid({**GOOD, name: value})

    assert len(problems) == 1
    assert problems[0].startswith(name)
    assert said in problems[0]


@override_settings(SAMVERKAN_TRUSTED_PROXIES=frozenset({"127.0.0.1"}))
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        # A client's own X-Forwarded-For is prepended to; the proxy's entry is the last.
        ("127.0.0.1", "10.9.9.9, 203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "203.0.113.7, 127.0.0.1", "203.0.113.7"),
        ("127.0.0.1", "", "127.0.0.1"),
        # Not from the proxy: the header is the client's word and is ignored.
        ("198.51.100.2", "203.0.113.7", "198.51.100.2"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxy_saw(
    remote: str, forwarded: str, expected: str
) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_alert_mails_the_operators_and_logs_at_crit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with override_settings(SAMVERKAN_ALERT_EMAILS="drift@kommun.se, it@kommun.se"):
        call_command("alert", "samverkan-verify-audit.service")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["drift@kommun.se", "it@kommun.se"]
    assert mail.outbox[0].subject.startswith("Samverkan: samverkan-verify-audit.service failed")
    assert "journalctl -u samverkan-verify-audit.service" in mail.outbox[0].body
    assert capsys.readouterr().err.startswith("<2>Samverkan: samverkan-verify-audit.service")


def test_alert_that_cannot_mail_says_so_after_logging(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with (
        override_settings(
            SAMVERKAN_ALERT_EMAILS="drift@kommun.se",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=_closed_port(),
        ),
        pytest.raises(CommandError, match=r"e-mailing drift@kommun\.se failed"),
    ):
        call_command("alert", "samverkan-backup.service")

    assert "<2>Samverkan: samverkan-backup.service failed" in capsys.readouterr().err


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_alert_without_recipients_still_logs(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("alert", "samverkan-worker.service")

    assert mail.outbox == []
    assert "<2>Samverkan: samverkan-worker.service failed" in capsys.readouterr().err


@pytest.mark.django_db
def test_check_worker_passes_when_a_worker_runs_the_task() -> None:
    # The test settings run tasks immediately: as if a worker took it at once.
    call_command("check_worker", "--timeout", "1")


@pytest.mark.django_db
def test_check_worker_fails_when_no_worker_takes_the_task() -> None:
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy), pytest.raises(CommandError, match="no task worker"):
        call_command("check_worker", "--timeout", "0.2")

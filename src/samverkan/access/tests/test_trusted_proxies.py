"""Issue 17, finding 3: the client's address behind the reverse proxy.

Lockout counts per address, so the address must be the client's, not the proxy's, and a client
must not be able to choose it by sending its own X-Forwarded-For header.
"""

import pytest
from django.http import HttpRequest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from samverkan.access import throttle
from samverkan.access.tests.factories import UserFactory
from samverkan.core.proxy import client_ip

PROXY = "10.0.0.1"
TRUSTED = frozenset({PROXY, "127.0.0.1"})


def request_from(remote: str, forwarded: str | None = None) -> HttpRequest:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(SAMVERKAN_TRUSTED_PROXIES=TRUSTED)
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # Straight to the app: the header is the client's own and is ignored.
        ("198.51.100.9", "203.0.113.5", "198.51.100.9"),
        # Through the proxy: the address the proxy appended.
        (PROXY, "203.0.113.5", "203.0.113.5"),
        # A client prepending a forged address gets the one the proxy saw, not the forgery.
        (PROXY, "192.0.2.66, 203.0.113.5", "203.0.113.5"),
        # Two trusted hops: the last untrusted address.
        (PROXY, "203.0.113.5, 127.0.0.1", "203.0.113.5"),
        # A trusted proxy without the header: the proxy itself.
        (PROXY, None, PROXY),
        (PROXY, " , ", PROXY),
    ],
)
def test_the_client_address_is_the_last_one_no_trusted_proxy_added(
    remote: str, forwarded: str | None, expected: str
) -> None:
    assert client_ip(request_from(remote, forwarded)) == expected


@override_settings(SAMVERKAN_TRUSTED_PROXIES=frozenset())
def test_with_no_trusted_proxy_the_header_is_never_believed() -> None:
    assert client_ip(request_from(PROXY, "203.0.113.5")) == PROXY


@override_settings(
    SAMVERKAN_TRUSTED_PROXIES=TRUSTED,
    AXES_CLIENT_IP_CALLABLE="samverkan.core.proxy.client_ip",
)
def test_lockout_behind_the_proxy_counts_the_client_not_the_proxy(db: None) -> None:
    """Many schools behind one proxy: one client's guesses slow that client, not the others."""
    users = [UserFactory(username=f"elev{i}") for i in range(8)]
    via_proxy = Client(REMOTE_ADDR=PROXY)
    for user in users[: throttle.PER_ADDRESS.free]:
        via_proxy.post(
            reverse("login"),
            {"username": user.username, "password": "fel"},
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )

    guesser = via_proxy.post(
        reverse("login"),
        {"username": users[-1].username, "password": "fel"},
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    # The guesser forging another address in front of the proxy's gains nothing.
    forged = via_proxy.post(
        reverse("login"),
        {"username": users[-1].username, "password": "fel"},
        HTTP_X_FORWARDED_FOR="192.0.2.77, 203.0.113.5",
    )
    other_school = via_proxy.post(
        reverse("login"),
        {"username": users[-1].username, "password": "fel"},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )

    assert guesser.status_code == 429
    assert forged.status_code == 429
    assert other_school.status_code == 200

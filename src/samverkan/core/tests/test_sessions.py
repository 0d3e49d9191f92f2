"""The session store's own read (core.sessions) loads what Django's store would, and nothing
of an expired or unknown session."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from samverkan.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_site_uses_the_store() -> None:
    assert settings.SESSION_ENGINE == "samverkan.core.sessions"


def test_a_saved_session_loads_with_its_data() -> None:
    store = SessionStore()
    store["last_seen"] = 123
    store.save()
    again = SessionStore(store.session_key)
    assert again["last_seen"] == 123
    assert again.session_key == store.session_key


def test_an_expired_session_loads_empty_and_gets_a_new_key() -> None:
    store = SessionStore()
    store["_auth_user_id"] = "someone"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    again = SessionStore(store.session_key)
    assert again.load() == {}
    assert again.session_key is None


def test_an_unknown_or_malformed_key_loads_empty() -> None:
    assert SessionStore("x" * 32).load() == {}
    assert SessionStore("short").load() == {}
    assert SessionStore(None).load() == {}

"""Sign-in events into the audit log (issue #10): success, failure, lockout, sign-out and idle
timeout, not only in django-axes' editable tables."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from samverkan.audit import services as audit_services


def log_sign_in_event(
    request: HttpRequest, event: str, *, user: object | None = None, typed_username: str = ""
) -> None:
    """Record `event` for `user`, or for the account `typed_username` names; a typed name that
    is no account's is only hashed (audit_services.record_sign_in)."""
    if user is None and typed_username:
        user = (
            get_user_model()
            .objects.filter(username=typed_username[:150])
            .only("id", "username", "municipality_id")
            .first()
        )
    audit_services.record_sign_in(
        event=event,
        tenant_id=getattr(user, "municipality_id", None),
        user_id=getattr(user, "pk", None),
        username=getattr(user, "username", ""),
        typed_username=typed_username,
        ip_address=request.META.get("REMOTE_ADDR", ""),
    )

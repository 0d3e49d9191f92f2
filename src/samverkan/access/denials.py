"""Recording refused attempts in the audit log, for pages and the API alike."""

from django.http import HttpRequest

from samverkan.audit import services as audit_services
from samverkan.core.errors import AccessDenied, DomainError, NotFound


def record_denial(request: HttpRequest, exception: DomainError) -> None:
    """Write an audit entry for a 404 outside visibility or a 403, after the rollback."""
    actor = getattr(request, "actor", None)
    if not isinstance(exception, NotFound | AccessDenied) or not actor:
        return
    reason = exception.reason if isinstance(exception, AccessDenied) else "not_visible"
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    object_id = str(kwargs.get("child_id", "") or kwargs.get("unit_id", ""))
    audit_services.record_denied(actor=actor, reason=reason, path=request.path, object_id=object_id)

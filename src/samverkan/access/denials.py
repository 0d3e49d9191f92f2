"""Recording refused attempts in the audit log, for pages and the API alike."""

from django.http import HttpRequest

from samverkan.audit import services as audit_services
from samverkan.core.errors import AccessDenied, DomainError, NotFound

# The path arguments that name an object, most specific first, with the object's type.
OBJECT_KWARGS = (
    ("party_id", "consent.consentparty"),
    ("consent_id", "consent.consent"),
    ("item_id", "intake.intakeitem"),
    ("consultation_id", "intake.consultation"),
    ("child_id", "children.child"),
    ("unit_id", "organisations.unit"),
    ("school_id", "organisations.unit"),
    ("team_id", "organisations.unit"),
    ("rule_id", "intake.routingrule"),
    ("notification_id", "notifications.notification"),
)


def record_denial(request: HttpRequest, exception: DomainError) -> None:
    """Write an audit entry for a 404 outside visibility or a 403, after the rollback: the
    object asked for and the child, when the path names them."""
    actor = getattr(request, "actor", None)
    if not isinstance(exception, NotFound | AccessDenied) or not actor:
        return
    reason = exception.reason if isinstance(exception, AccessDenied) else "not_visible"
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    object_type, object_id = next(
        ((kind, str(kwargs[name])) for name, kind in OBJECT_KWARGS if kwargs.get(name)), ("", "")
    )
    child = kwargs.get("child_id")
    audit_services.record_denied(
        actor=actor,
        reason=reason,
        path=request.path,
        object_type=object_type,
        object_id=object_id,
        child_ids=[child] if child else [],
    )

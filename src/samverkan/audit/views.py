"""The log reviewer's view of the audit log."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from samverkan.access.decisions import policy

from . import policies, services


@require_GET
@policy(policies.can_view_audit_log)
def audit_list(request: HttpRequest) -> HttpResponse:
    username = request.GET.get("anvandare", "")[:150]
    child_id = request.GET.get("barn", "")[:64]
    events = services.audit_log_read(
        actor=request.actor,  # type: ignore[attr-defined]
        username=username,
        child_id=child_id,
    )
    return render(
        request,
        "audit/audit_list.html",
        {"events": events, "username": username, "child_id": child_id},
    )

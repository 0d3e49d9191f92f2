"""The municipality's schools, units, teams and staff (no child data)."""

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from samverkan.access.decisions import policy

from . import policies, selectors


@require_GET
@policy(policies.can_view_organisation)
def unit_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    units = list(selectors.unit_list(actor=actor))
    schools = [u for u in units if u.is_school]
    others = [u for u in units if not u.is_school]
    return render(
        request,
        "organisations/unit_list.html",
        {"schools": schools, "units": others, "staff_counts": selectors.staff_counts(actor=actor)},
    )


@require_GET
@policy(policies.can_view_organisation)
def unit_detail(request: HttpRequest, unit_id: UUID) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    unit = selectors.unit_get(actor=actor, unit_id=unit_id)
    context = {
        "unit": unit,
        "staff": selectors.unit_staff(unit=unit),
        "contacts": selectors.current_contacts(actor=actor, school_ids={unit.pk})[0]
        if unit.is_school
        else None,
        "contact_history": selectors.contact_history(school=unit) if unit.is_school else [],
    }
    return render(request, "organisations/unit_detail.html", context)

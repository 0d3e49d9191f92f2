"""The municipality's schools, units, teams and staff (no child data)."""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from samverkan.access.decisions import policy
from samverkan.core import drafts
from samverkan.core.drafts import draft_form
from samverkan.core.errors import ConcurrentEdit

from . import policies, selectors, services
from .errors import ContactInvalid
from .forms import ContactAssignForm, ContactsMoveForm


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
        {
            "schools": schools,
            "units": others,
            "staff_counts": selectors.staff_counts(actor=actor),
            "can_manage_contacts": bool(policies.can_manage_contacts(actor)),
        },
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


@require_GET
@policy(policies.can_manage_contacts)
def contact_coverage(request: HttpRequest) -> HttpResponse:
    """Kontaktpersoner: every school's contacts, the gaps by organiser type, schools per person."""
    actor = request.actor  # type: ignore[attr-defined]
    coverage = selectors.contact_coverage(
        actor=actor, target=settings.SAMVERKAN_CONTACT_TARGET_SCHOOLS
    )
    return render(request, "organisations/contact_coverage.html", {"coverage": coverage})


@require_http_methods(["GET", "POST"])
@policy(policies.can_manage_contacts)
@draft_form(ContactAssignForm)
def contact_assign(request: HttpRequest, school_id: UUID) -> HttpResponse:
    """Byt kontaktperson for one school. Bad input shows the form again with the values kept."""
    actor = request.actor  # type: ignore[attr-defined]
    school = selectors.unit_get(actor=actor, unit_id=school_id)
    current = selectors.current_contacts(actor=actor, school_ids={school.pk})[0]
    workers = selectors.social_workers(actor=actor)
    initial = {
        "current_primary": str(current.primary.pk) if current.primary else "",
        "current_deputy": str(current.deputy.pk) if current.deputy else "",
    }
    draft, done = drafts.draft_for(request, "contact", school.pk)
    if done is not None:
        return done
    form = ContactAssignForm(
        request.POST if request.method == "POST" else None,
        workers=workers,
        initial=initial,
        draft=draft,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.contact_assign(
                    actor=actor,
                    school_id=school.pk,
                    social_worker_id=UUID(form.cleaned_data["social_worker"]),
                    kind=form.cleaned_data["kind"],
                    valid_from=form.cleaned_data["valid_from"],
                    current_contact_id=form.current_contact_id(),
                    check_current=True,
                    request_id=form.cleaned_data["request_id"],
                )
            except ContactInvalid as error:
                form.add_error(error.field or None, str(error.message))
            except ConcurrentEdit as error:
                status = 409
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Kontaktpersonen är ändrad och skolan är meddelad."))
                url = reverse("organisations:contacts")
                token = form.cleaned_data["request_id"]
                drafts.draft_retire(request, token, url=url, label=school.name)
                return redirect(url)
    context = {"school": school, "current": current, "form": form}
    return render(request, "organisations/contact_assign.html", context, status=status)


@require_http_methods(["GET", "POST"])
@policy(policies.can_manage_contacts)
@draft_form(ContactsMoveForm)
def contacts_move(request: HttpRequest) -> HttpResponse:
    """Flytta alla kontakter: when a social worker leaves, every school of theirs moves."""
    actor = request.actor  # type: ignore[attr-defined]
    draft, done = drafts.draft_for(request, "contacts_move")
    if done is not None:
        return done
    form = ContactsMoveForm(
        request.POST if request.method == "POST" else None,
        workers=selectors.social_workers(actor=actor),
        draft=draft,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                moved = services.contacts_reassign_all(
                    actor=actor,
                    from_social_worker_id=UUID(form.cleaned_data["from_worker"]),
                    to_social_worker_id=UUID(form.cleaned_data["to_worker"]),
                    valid_from=form.cleaned_data["valid_from"],
                )
            except ContactInvalid as error:
                form.add_error(error.field or None, str(error.message))
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s kontakt är flyttad och skolan är meddelad.",
                        "%(n)s kontakter är flyttade och skolorna är meddelade.",
                        len(moved),
                    )
                    % {"n": len(moved)},
                )
                url = reverse("organisations:contacts")
                label = _("Flytta alla kontakter")
                drafts.draft_retire(request, form.cleaned_data["request_id"], url=url, label=label)
                return redirect(url)
    return render(request, "organisations/contacts_move.html", {"form": form}, status=status)

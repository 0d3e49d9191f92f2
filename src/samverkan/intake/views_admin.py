"""Routing configuration pages (R1.4) and the teams' criteria (R2.1, R2.8), for the
municipality administrator. Thin (STYLE P1): parse, call the admin services and selectors,
render. The services enforce `can_manage_routing` again on every write."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samverkan.access.decisions import policy
from samverkan.core.errors import ConcurrentEdit

from . import policies, selectors, selectors_admin, services_admin
from .errors import ActionInvalid
from .forms_admin import (
    DefaultUnitForm,
    PreviewForm,
    RoutingRuleForm,
    TeamProfileForm,
    rule_conditions,
)

PREVIEW_FIELDS = ("kind", "age", "school", "residential_area")


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def _preview(request: HttpRequest) -> tuple[PreviewForm, Any, bool]:
    """The sample-child form, bound when the query string carries it, and its result."""
    actor = _actor(request)
    asked = any(name in request.GET for name in PREVIEW_FIELDS)
    form = PreviewForm(
        request.GET if asked else None,
        schools=selectors_admin.schools(actor=actor),
        areas=selectors_admin.areas(actor=actor),
    )
    result = None
    if asked and form.is_valid():
        result = selectors_admin.route_preview(actor=actor, **form.sample())
    return form, result, asked


@require_GET
@policy(policies.can_manage_routing)
def routing(request: HttpRequest) -> HttpResponse:
    """Fördelning av ärenden: the rules in order, the default unit, the teams, a preview."""
    actor = _actor(request)
    rules = list(selectors.routing_rules(actor=actor))
    default_id = selectors.default_unit_id(municipality_id=actor.tenant_id)
    settings = selectors_admin.settings_get(actor=actor)
    default = selectors_admin.units_by_id(
        actor=actor, unit_ids={default_id} if default_id else set()
    ).get(default_id)  # type: ignore[arg-type]
    form, result, asked = _preview(request)
    context = {
        "rows": [(rule, rule_conditions(rule)) for rule in rules],
        "default_unit": default,
        "default_configured": settings is not None,
        "teams": selectors.teams_for_handover(actor=actor),
        "form": form,
        "result": result,
        "asked": asked,
    }
    status = 400 if asked and form.errors else 200
    return render(request, "intake/admin/routing.html", context, status=status)


def _rule_form(request: HttpRequest, initial: dict[str, Any] | None = None) -> RoutingRuleForm:
    actor = _actor(request)
    return RoutingRuleForm(
        request.POST if request.method == "POST" else None,
        schools=selectors_admin.schools(actor=actor),
        areas=selectors_admin.areas(actor=actor),
        units=selectors.receiving_units(actor=actor),
        initial=initial,
    )


@require_http_methods(["GET", "POST"])
@policy(policies.can_manage_routing)
def rule_new(request: HttpRequest) -> HttpResponse:
    """Ny regel. Bad input shows the form again with every value kept."""
    form = _rule_form(request)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services_admin.rule_create(actor=_actor(request), data=form.rule_input())
            except ActionInvalid as error:
                form.add_service_errors(error.details)
            else:
                messages.success(request, _("Regeln är sparad."))
                return redirect("intake:routing")
    return render(
        request, "intake/admin/rule_form.html", {"form": form, "rule": None}, status=status
    )


@require_http_methods(["GET", "POST"])
@policy(policies.can_manage_routing)
def rule_edit(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    """Ändra regel. Someone else's change meanwhile: 409 with the typed values kept."""
    actor = _actor(request)
    rule = selectors_admin.rule_get(actor=actor, rule_id=rule_id)
    form = _rule_form(request, initial=RoutingRuleForm.initial_for(rule))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version = form.cleaned_data["version"]
            try:
                services_admin.rule_update(
                    actor=actor,
                    rule_id=rule.pk,
                    version=version if version is not None else 0,
                    data=form.rule_input(),
                )
            except ActionInvalid as error:
                form.add_service_errors(error.details)
            except ConcurrentEdit as error:
                status = 409
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Regeln är ändrad."))
                return redirect("intake:routing")
    return render(
        request, "intake/admin/rule_form.html", {"form": form, "rule": rule}, status=status
    )


@require_http_methods(["GET", "POST"])
@policy(policies.can_manage_routing)
def default_unit(request: HttpRequest) -> HttpResponse:
    """Standardmottagning: where items go when no rule matches."""
    actor = _actor(request)
    settings = selectors_admin.settings_get(actor=actor)
    current = selectors.default_unit_id(municipality_id=actor.tenant_id)
    form = DefaultUnitForm(
        request.POST if request.method == "POST" else None,
        units=selectors.receiving_units(actor=actor),
        initial={
            "default_unit": str(current or ""),
            "version": settings.version if settings is not None else 0,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version = form.cleaned_data["version"]
            try:
                services_admin.default_unit_set(
                    actor=actor,
                    unit_id=UUID(form.cleaned_data["default_unit"]),
                    version=version if version is not None else -1,
                )
            except ActionInvalid as error:
                form.add_service_errors(error.details)
            except ConcurrentEdit as error:
                status = 409
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Standardmottagningen är ändrad."))
                return redirect("intake:routing")
    context = {"form": form, "configured": settings is not None}
    return render(request, "intake/admin/default_unit.html", context, status=status)


@require_GET
@policy(policies.can_manage_routing)
def preview(request: HttpRequest) -> HttpResponse:
    """Provkör fördelningen: where a sample child would go and which rule decided it. Nothing
    is stored and nothing is logged: the sample is no real child."""
    form, result, asked = _preview(request)
    context = {"form": form, "result": result, "asked": asked}
    status = 400 if asked and form.errors else 200
    return render(request, "intake/admin/preview.html", context, status=status)


@require_http_methods(["GET", "POST"])
@policy(policies.can_manage_routing)
def team_profile(request: HttpRequest, team_id: UUID) -> HttpResponse:
    """Teamets kriterier och skolansvariga: criteria, age range, a member per school."""
    actor = _actor(request)
    team = selectors_admin.team_get(actor=actor, team_id=team_id)
    profile = selectors_admin.team_profile_get(team=team)
    schools = selectors_admin.schools(actor=actor)
    contacts = selectors_admin.team_school_contacts(team=team)
    initial: dict[str, Any] = {
        "criteria": profile.criteria if profile else "",
        "age_from": profile.age_from if profile else None,
        "age_to": profile.age_to if profile else None,
        "version": services_admin.profile_version(profile),
    }
    for school in schools:
        contact = contacts.get(school.pk)
        initial[TeamProfileForm.school_field(school.pk)] = str(contact.member_id if contact else "")
    form = TeamProfileForm(
        request.POST if request.method == "POST" else None,
        schools=schools,
        members=selectors_admin.team_members(team=team),
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services_admin.team_profile_set(
                    actor=actor,
                    team_id=team.pk,
                    criteria=form.cleaned_data["criteria"],
                    age_from=form.cleaned_data["age_from"],
                    age_to=form.cleaned_data["age_to"],
                    school_members=form.school_members(),
                    version=form.cleaned_data["version"],
                )
            except ActionInvalid as error:
                form.add_service_errors(error.details)
            except ConcurrentEdit as error:
                status = 409
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Teamets kriterier och skolansvariga är sparade."))
                return redirect("intake:routing")
    context = {"form": form, "team": team}
    return render(request, "intake/admin/team_profile.html", context, status=status)

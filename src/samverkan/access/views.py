"""Sign-in, sign-out, language and the start page each role lands on."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from samverkan.audit import services as audit_services
from samverkan.children import services as child_services
from samverkan.consent import selectors as consent_selectors
from samverkan.intake import policies as intake_policies
from samverkan.intake import selectors as intake_selectors
from samverkan.organisations import selectors as org_selectors
from samverkan.support import policies as support_policies

from .decisions import AUTHENTICATED, PUBLIC, policy
from .forms import LoginForm
from .roles import INTAKE_ROLES, NO_CHILD_DATA_ROLES, SOCIAL_SERVICES_ROLES, Role
from .sign_in_audit import log_sign_in_event


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timed_out"] = self.request.GET.get("timeout") == "1"
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        log_sign_in_event(self.request, audit_services.SIGNED_IN, user=form.get_user())
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if form.has_error("__all__", "throttled"):
            # Too early after earlier failures: refused without checking the password, so no
            # failure to log either (access.throttle).
            response = super().form_invalid(form)
            response.status_code = 429
            return response
        typed = str(form.data.get("username", ""))
        if typed and form.data.get("password"):
            # django-axes marks the request when this attempt locked the account or it was locked.
            locked = getattr(self.request, "axes_locked_out", False)
            event = audit_services.LOCKED_OUT if locked else audit_services.SIGN_IN_FAILED
            log_sign_in_event(self.request, event, typed_username=typed)
        return super().form_invalid(form)


LoginView.samverkan_policy = PUBLIC  # type: ignore[attr-defined]


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            log_sign_in_event(request, audit_services.SIGNED_OUT, user=request.user)
        return super().post(request, *args, **kwargs)


LogoutView.samverkan_policy = AUTHENTICATED  # type: ignore[attr-defined]


@require_POST
@policy(PUBLIC)
def set_language(request: HttpRequest) -> HttpResponse:
    return django_set_language(request)


@dataclass(frozen=True)
class CaseloadRow:
    """One child of the start page's caseload list, its link made once per page."""

    name: str
    masked_identity_number: str
    url: str
    is_protected: bool


_PLACEHOLDER = str(UUID(int=0))


def caseload_rows(children: list[Any]) -> list[CaseloadRow]:
    # One reverse() for the list, not one per row (up to 50 rows).
    pattern = reverse("children:detail", args=[_PLACEHOLDER])
    return [
        CaseloadRow(
            name=child.full_name,
            masked_identity_number=child.masked_identity_number,
            url=pattern.replace(_PLACEHOLDER, str(child.pk)),
            is_protected=child.is_protected,
        )
        for child in children
    ]


@require_GET
@policy(AUTHENTICATED)
def start(request: HttpRequest) -> HttpResponse:
    """The start page: what this person's roles need first."""
    actor = request.actor  # type: ignore[attr-defined]
    context: dict[str, Any] = {"actor": actor}
    if not actor:  # a lazy proxy of None for a user without a tenant
        return render(request, "access/no_role.html", status=403)
    if actor.school_ids:
        context["school_contacts"] = org_selectors.current_contacts(
            actor=actor, school_ids=actor.school_ids
        )
    # The one way in (R1.2): school staff reach social services from the start page.
    context["one_way_in"] = bool(intake_policies.can_use_one_way_in(actor))
    if context["one_way_in"]:
        context["recent_sent"] = intake_selectors.sent_items(actor=actor, limit=5)
    context["can_work_intake"] = bool(intake_policies.can_work_intake(actor))
    context["can_manage_routing"] = bool(intake_policies.can_manage_routing(actor))
    if actor.social_unit_ids and not actor.intake_unit_ids:
        context["caseload"] = caseload_rows(child_services.caseload_read(actor=actor))
        context["support_caseload"] = bool(support_policies.can_view_caseload(actor))
    # Consents naming the actor's units that wait for their side to confirm (principle 8).
    context["consents_waiting"] = consent_selectors.consents_waiting_count(actor=actor)
    context["is_intake"] = bool(actor.intake_unit_ids)
    context["can_search"] = bool(actor.school_ids or actor.social_unit_ids or actor.intake_unit_ids)
    context["is_log_reviewer"] = actor.has_role(Role.LOG_REVIEWER)
    context["is_governance"] = actor.has_role(*NO_CHILD_DATA_ROLES)
    context["roles"] = actor.grants
    context["social_roles"] = SOCIAL_SERVICES_ROLES | INTAKE_ROLES
    return render(request, "access/start.html", context)

"""Child search, the child's overview and adding a note. Thin: parse, call, render."""

import uuid
from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samverkan.access.decisions import policy
from samverkan.consent import policies as consent_policies
from samverkan.consent.selectors import ConsentSummary
from samverkan.core.errors import InvalidInput
from samverkan.support import policies as support_policies

from . import policies, services
from .forms import ChildSearchForm, NoteForm
from .models import Child


@require_GET
@policy(policies.can_search_children)
def child_search(request: HttpRequest) -> HttpResponse:
    form = ChildSearchForm(request.GET)
    text = form.data.get("q", "")[:100] if form.is_valid() or "q" in form.data else ""
    query, results = services.child_search(actor=request.actor, text=text)  # type: ignore[attr-defined]
    context = {"form": form, "query": query, "results": _search_rows(results)}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "children/child_search.html#results", context)
    return render(request, "children/child_search.html", context)


@dataclass(frozen=True)
class SearchRow:
    """One hit as the results table prints it (plain strings; the template escapes them)."""

    url: str
    name: str
    is_protected: bool
    identity_number: str
    school: str
    grade: str


def _search_rows(children: list[Child]) -> list[SearchRow]:
    # One reverse() for the page: every child's link differs only by its id.
    stub = uuid.UUID(int=0)
    url = reverse("children:detail", args=[stub]).replace(str(stub), "{}")
    return [
        SearchRow(
            url.format(child.pk),
            f"{child.family_name}, {child.given_name}",
            child.is_protected,
            child.masked_identity_number,
            child.school_line.school,  # type: ignore[attr-defined]
            child.school_line.grade,  # type: ignore[attr-defined]
        )
        for child in children
    ]


@dataclass(frozen=True)
class ConsentRow:
    """One of the child's consents as the overview's table prints it."""

    url: str
    purpose: str
    state_label: str
    tag_class: str
    missing: tuple[str, ...]
    period: str
    units: str


def _consent_rows(child_id: UUID, consents: tuple[ConsentSummary, ...]) -> list[ConsentRow]:
    if not consents:
        return []
    stub = uuid.UUID(int=0)
    url = reverse("consent:detail", args=[child_id, stub]).replace(str(stub), "{}")
    return [
        ConsentRow(
            url.format(c.consent_id),
            c.purpose_label,
            c.state_label,
            c.tag_class,
            c.status.missing,
            f"{c.valid_from:%Y-%m-%d} – {c.valid_to:%Y-%m-%d}",
            ", ".join(c.units),
        )
        for c in consents
    ]


def _note_form(request: HttpRequest, overview: object, data: object = None) -> NoteForm:
    ov = overview
    unit_names = {str(e.school_id): e.school.name for e in ov.enrolments}  # type: ignore[attr-defined]
    for grant in request.actor.grants:  # type: ignore[attr-defined]
        unit_names.setdefault(str(grant.unit_id), grant.unit_name)
    return NoteForm(data, targets=list(ov.note_targets), unit_names=unit_names)  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@policy(policies.can_search_children)
def child_detail(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """The child's overview; POST adds a note and shows the page again on bad input."""
    actor = request.actor  # type: ignore[attr-defined]
    overview = services.child_open(actor=actor, child_id=child_id)
    form = _note_form(request, overview, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.note_create(
                    actor=actor,
                    child_id=child_id,
                    target=form.cleaned_data["target"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    request_id=form.cleaned_data["request_id"],
                )
            except InvalidInput as error:
                form.add_error(None, str(error.message))
                status = 400
            else:
                messages.success(request, _("Anteckningen är sparad."))
                return redirect("children:detail", child_id=child_id)
        else:
            status = 400
    context = {
        "ov": overview,
        "consent_rows": _consent_rows(overview.child.pk, overview.consents),
        "form": form,
        "can_record_consent": bool(consent_policies.can_record_consent(actor, overview.relation)),
        # R2.8: the principal of the pupil's school contacts a team's school-responsible member.
        "can_contact_team": bool(
            support_policies.can_send_team_request(
                actor,
                support_policies.ContactFacts(
                    overview.relation.municipality_id, overview.relation.current_school_ids
                ),
            )
        ),
    }
    return render(request, "children/child_detail.html", context, status=status)

"""Support pages: the work lead's board, a member's caseload, the episode with its actions.

Thin (STYLE P1): parse, call one service or selector, render. Each action is its own POST view;
on bad input the episode page is shown again with the errors at the fields and everything typed
kept (400); a stale version shows its message (409). The services enforce the object-level
policy on every read and write and write the audit log."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from samverkan.access.decisions import policy
from samverkan.core.errors import ConcurrentEdit

from . import policies, selectors, services
from .errors import EpisodeInvalid
from .forms import (
    AcceptForm,
    ActionForm,
    AssignForm,
    DeclineForm,
    EndForm,
    OutcomeForm,
    StartForm,
)
from .models import Episode


@require_GET
@policy(policies.can_view_board)
def board(request: HttpRequest) -> HttpResponse:
    data = services.board_read(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "support/board.html", {"board": data})


@require_GET
@policy(policies.can_view_caseload)
def caseload(request: HttpRequest) -> HttpResponse:
    rows = services.caseload_read(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "support/caseload.html", {"rows": rows})


def _forms(page: selectors.EpisodePage, bound: ActionForm | None) -> dict[str, Any]:
    """The action forms the page offers, the bound one in place of its blank twin."""
    episode = page.episode
    initial = {"version": episode.version}
    staff = selectors.team_members(team_id=episode.owner_unit_id)
    today = timezone.localdate()
    forms: dict[str, Any] = {
        "accept": AcceptForm(
            initial={**initial, "episode_type": str(episode.episode_type_id)},
            types=list(selectors.episode_types(municipality_id=episode.municipality_id)),
            staff=staff,
        ),
        "decline": DeclineForm(initial=initial),
        "assign": AssignForm(
            initial=initial,
            staff=[(u, r) for u, r in staff if u.pk not in page.facts.member_user_ids],
        ),
        "start": StartForm(initial={**initial, "started_on": today}),
        "end": EndForm(initial={**initial, "ended_on": today}),
        "outcome": OutcomeForm(initial={**initial, **_outcome_initial(page)}),
    }
    if bound is not None and bound.prefix is not None:
        forms[bound.prefix] = bound
    return forms


def _outcome_initial(page: selectors.EpisodePage) -> dict[str, Any]:
    """The recorded start outcomes, so a correction starts from them."""
    start = page.outcomes.get("start")
    if start is None:
        return {}
    return {
        "eligible_upper_secondary": start.eligible_upper_secondary,
        "attendance_percent": start.attendance_percent,
        "family_rating": start.family_rating,
        "adults_work_or_study": start.adults_work_or_study,
    }


def _page(
    request: HttpRequest,
    episode_id: UUID,
    bound: ActionForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    page = services.episode_read(actor=actor, episode_id=episode_id)
    facts = page.facts
    context = {
        "page": page,
        "episode": page.episode,
        "forms": _forms(page, bound),
        "conflict": conflict,
        "can_decide": policies.can_decide_request(actor, facts).allowed,
        "can_assign": policies.can_assign_members(actor, facts).allowed,
        "can_start": policies.can_start_episode(actor, facts).allowed,
        "can_end": policies.can_end_episode(actor, facts).allowed,
        "can_record_outcome": policies.can_record_outcome(actor, facts).allowed,
        "Status": Episode.Status,
    }
    return render(request, "support/episode.html", context, status=status)


@require_GET
@policy(policies.can_use_support)
def episode(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    return _page(request, episode_id)


def _act(
    request: HttpRequest,
    episode_id: UUID,
    form: ActionForm,
    call: Callable[[], object],
    done: str,
) -> HttpResponse:
    """Run one action: back to the episode with a message, or the page again with the errors
    and everything typed kept."""
    if form.is_valid():
        try:
            call()
        except EpisodeInvalid as error:
            form.add_service_errors(error.details, error.message)
        except ConcurrentEdit as error:
            return _page(request, episode_id, conflict=str(error.message), status=409)
        else:
            messages.success(request, done)
            return redirect("support:episode", episode_id=episode_id)
    return _page(request, episode_id, bound=form, status=400)


def _staff(request: HttpRequest, episode_id: UUID) -> list[Any]:
    episode, _facts = selectors.episode_get(
        actor=request.actor,  # type: ignore[attr-defined]
        episode_id=episode_id,
    )
    return selectors.team_members(team_id=episode.owner_unit_id)


@require_POST
@policy(policies.can_use_support)
def accept(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode, _facts = selectors.episode_get(
        actor=request.actor,  # type: ignore[attr-defined]
        episode_id=episode_id,
    )
    form = AcceptForm(
        request.POST,
        types=list(selectors.episode_types(municipality_id=episode.municipality_id)),
        staff=selectors.team_members(team_id=episode.owner_unit_id),
    )

    def call() -> object:
        lead = form.cleaned_data["lead_member"]
        return services.episode_accept(
            actor=request.actor,  # type: ignore[attr-defined]
            episode_id=episode_id,
            episode_type_id=UUID(form.cleaned_data["episode_type"]),
            member_ids=[UUID(m) for m in form.cleaned_data["members"]],
            lead_member_id=UUID(lead) if lead else None,
            version=form.cleaned_data["version"],
        )

    return _act(request, episode_id, form, call, _("Förfrågan är antagen och medarbetare utsedda."))


@require_POST
@policy(policies.can_use_support)
def decline(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    form = DeclineForm(request.POST)

    def call() -> object:
        return services.episode_decline(
            actor=request.actor,  # type: ignore[attr-defined]
            episode_id=episode_id,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )

    return _act(request, episode_id, form, call, _("Förfrågan är avböjd. Avsändaren ser skälet."))


@require_POST
@policy(policies.can_use_support)
def assign(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    form = AssignForm(request.POST, staff=_staff(request, episode_id))

    def call() -> object:
        return services.member_assign(
            actor=request.actor,  # type: ignore[attr-defined]
            episode_id=episode_id,
            user_id=UUID(form.cleaned_data["member"]),
            version=form.cleaned_data["version"],
        )

    return _act(request, episode_id, form, call, _("Medarbetaren är tillagd."))


def _outcome(data: dict[str, Any]) -> services.OutcomeInput:
    return services.OutcomeInput(
        eligible_upper_secondary=data["eligible_upper_secondary"],
        attendance_percent=data["attendance_percent"],
        family_rating=data["family_rating"],
        adults_work_or_study=data["adults_work_or_study"],
        goals_reached=data.get("goals_reached") or "unknown",
    )


@require_POST
@policy(policies.can_use_support)
def start(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    form = StartForm(request.POST)

    def call() -> object:
        return services.episode_start(
            actor=request.actor,  # type: ignore[attr-defined]
            episode_id=episode_id,
            started_on=form.cleaned_data["started_on"],
            age_reason=form.cleaned_data["age_reason"],
            outcome=_outcome(form.cleaned_data),
            version=form.cleaned_data["version"],
        )

    return _act(request, episode_id, form, call, _("Insatsen har startat."))


@require_POST
@policy(policies.can_use_support)
def end(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    form = EndForm(request.POST)

    def call() -> object:
        return services.episode_end(
            actor=request.actor,  # type: ignore[attr-defined]
            episode_id=episode_id,
            ended_on=form.cleaned_data["ended_on"],
            reason=form.cleaned_data["reason"],
            outcome=_outcome(form.cleaned_data),
            version=form.cleaned_data["version"],
        )

    return _act(request, episode_id, form, call, _("Insatsen är avslutad."))


@require_POST
@policy(policies.can_use_support)
def outcome(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    form = OutcomeForm(request.POST)

    def call() -> object:
        return services.outcome_record(
            actor=request.actor,  # type: ignore[attr-defined]
            episode_id=episode_id,
            phase="start",
            outcome=_outcome(form.cleaned_data),
            version=form.cleaned_data["version"],
        )

    return _act(request, episode_id, form, call, _("Resultaten är sparade."))

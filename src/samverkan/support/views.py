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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.access.decisions import enforce, policy
from samverkan.children import selectors as child_selectors
from samverkan.core import drafts
from samverkan.core.drafts import draft_form
from samverkan.core.errors import ConcurrentEdit

from . import policies, selectors, services
from .errors import EpisodeInvalid
from .forms import (
    AcceptForm,
    ActionForm,
    AdultConsentForm,
    AssignForm,
    DeclineForm,
    EndForm,
    OutcomeForm,
    ReleaseForm,
    StartForm,
    TeamRequestForm,
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


FORM_PREFIXES = ("accept", "decline", "assign", "release", "start", "end", "outcome", "adult")


def _forms(
    request: HttpRequest,
    page: selectors.EpisodePage,
    page_adults: selectors.AdultConsents,
    bound: ActionForm | None,
    shown: frozenset[str],
) -> dict[str, Any]:
    """The step forms the page shows (`shown`), each with its draft (core.drafts), the bound
    one in place of its blank twin. A step the actor may not take gets no form, no draft and
    none of the queries its choices need."""
    episode = page.episode
    initial = {"version": episode.version}
    staff = (
        selectors.team_members(team_id=episode.owner_unit_id)
        if shown & {"accept", "assign"}
        else []
    )

    def draft(prefix: str) -> drafts.Draft:
        return drafts.draft_start(request, _draft_name(prefix), episode.pk)

    builders: dict[str, Callable[[], ActionForm]] = {
        "accept": lambda: AcceptForm(
            initial={**initial, "episode_type": str(episode.episode_type_id)},
            types=list(selectors.episode_types(municipality_id=episode.municipality_id)),
            staff=staff,
            draft=draft("accept"),
        ),
        "decline": lambda: DeclineForm(initial=initial, draft=draft("decline")),
        "assign": lambda: AssignForm(
            initial=initial,
            staff=[(u, r) for u, r in staff if u.pk not in page.facts.member_user_ids],
            draft=draft("assign"),
        ),
        "release": lambda: ReleaseForm(
            initial=initial,
            members=[(m.user, m.role) for m in page.members],
            draft=draft("release"),
        ),
        "start": lambda: StartForm(initial=initial, draft=draft("start")),
        "end": lambda: EndForm(initial=initial, draft=draft("end")),
        "outcome": lambda: OutcomeForm(
            initial={**initial, **_outcome_initial(page)}, draft=draft("outcome")
        ),
        "adult": lambda: AdultConsentForm(
            initial=initial, adults=page_adults.missing, draft=draft("adult")
        ),
    }
    forms: dict[str, Any] = {p: builders[p]() for p in FORM_PREFIXES if p in shown}
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
    can_record_adult_consent = policies.can_record_adult_consent(actor, facts).allowed
    adults = (
        selectors.adult_consents(
            episode=page.episode,
            adults={
                s.adult.pk: f"{s.adult.given_name} {s.adult.family_name}"
                for s in page.subjects
                if s.adult is not None
            },
        )
        if can_record_adult_consent
        else selectors.AdultConsents(None, ())
    )
    can = {
        "decide": policies.can_decide_request(actor, facts).allowed,
        "assign": policies.can_assign_members(actor, facts).allowed,
        "start": policies.can_start_episode(actor, facts).allowed,
        "end": policies.can_end_episode(actor, facts).allowed,
        "record_outcome": policies.can_record_outcome(actor, facts).allowed,
        "record_adult_consent": can_record_adult_consent and bool(adults.adults),
    }
    shown = frozenset(
        prefix
        for prefix, allowed in (
            ("accept", can["decide"]),
            ("decline", can["decide"]),
            ("assign", can["assign"]),
            ("release", can["assign"] and len(page.members) > 1),
            ("adult", can["record_adult_consent"]),
            ("start", can["start"]),
            ("outcome", can["record_outcome"]),
            ("end", can["end"]),
        )
        if allowed
    )
    forms = _forms(request, page, adults, bound, shown)
    context = {
        "page": page,
        "episode": page.episode,
        "forms": forms,
        # The error summaries: only a bound form has errors to sum up.
        "error_forms": [form for form in forms.values() if form.errors],
        "adults": adults,
        "conflict": conflict,
        **{f"can_{name}": allowed for name, allowed in can.items()},
        "Status": Episode.Status,
    }
    return render(request, "support/episode.html", context, status=status)


@require_GET
@policy(policies.can_use_support)
def episode(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    return _page(request, episode_id)


def _draft_name(prefix: str) -> str:
    return f"support.{prefix}"


def _step(
    request: HttpRequest,
    episode_id: UUID,
    form: ActionForm,
    run: Callable[[Any, dict[str, Any]], object],
    done: Any,
) -> HttpResponse:
    """Run one step of the episode page (accept, decline, assign, release, consent, start,
    outcomes, end): back to the episode with a message, or the page again with the errors at
    their fields and everything typed kept (400); a stale version shows its message (409). A
    draft sent already answers "Redan skickad" (core.drafts); a sent draft is retired and the
    page shows that form with a new draft, since the page is the step's own receipt."""
    if (sent := drafts.already_sent(request)) is not None:
        return sent
    actor = request.actor  # type: ignore[attr-defined]
    if form.is_valid():
        try:
            run(actor, form.cleaned_data)
        except EpisodeInvalid as error:
            form.add_service_errors(error.details, error.message)
        except ConcurrentEdit as error:
            return _page(request, episode_id, conflict=str(error.message), status=409)
        else:
            url = reverse("support:episode", args=[episode_id])
            drafts.draft_retire(request, drafts.posted_token(request), url=url, label=str(done))
            drafts.draft_forget(request, _draft_name(str(form.prefix)), episode_id)
            messages.success(request, str(done))
            return redirect(url)
    return _page(request, episode_id, bound=form, status=400)


def _episode_of(request: HttpRequest, episode_id: UUID) -> Episode:
    episode, _facts = selectors.episode_get(
        actor=request.actor,  # type: ignore[attr-defined]
        episode_id=episode_id,
    )
    return episode


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
@draft_form(AcceptForm)
def accept(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = _episode_of(request, episode_id)
    form = AcceptForm(
        request.POST,
        types=list(selectors.episode_types(municipality_id=episode.municipality_id)),
        staff=selectors.team_members(team_id=episode.owner_unit_id),
    )

    def run(actor: Any, d: dict[str, Any]) -> object:
        return services.episode_accept(
            actor=actor,
            episode_id=episode_id,
            episode_type_id=UUID(d["episode_type"]),
            member_ids=[UUID(m) for m in d["members"]],
            lead_member_id=UUID(d["lead_member"]) if d["lead_member"] else None,
            version=d["version"],
        )

    return _step(request, episode_id, form, run, _("Förfrågan är antagen och medarbetare utsedda."))


@require_POST
@policy(policies.can_use_support)
@draft_form(DeclineForm)
def decline(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    def run(actor: Any, d: dict[str, Any]) -> object:
        return services.episode_decline(
            actor=actor, episode_id=episode_id, reason=d["reason"], version=d["version"]
        )

    form = DeclineForm(request.POST)
    return _step(request, episode_id, form, run, _("Förfrågan är avböjd. Avsändaren ser skälet."))


@require_POST
@policy(policies.can_use_support)
@draft_form(AssignForm)
def assign(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = _episode_of(request, episode_id)
    form = AssignForm(request.POST, staff=selectors.team_members(team_id=episode.owner_unit_id))

    def run(actor: Any, d: dict[str, Any]) -> object:
        return services.member_assign(
            actor=actor, episode_id=episode_id, user_id=UUID(d["member"]), version=d["version"]
        )

    return _step(request, episode_id, form, run, _("Medarbetaren är tillagd."))


@require_POST
@policy(policies.can_use_support)
@draft_form(ReleaseForm)
def release(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    form = ReleaseForm(request.POST, members=selectors.active_members(episode_id=episode_id))

    def run(actor: Any, d: dict[str, Any]) -> object:
        return services.member_release(
            actor=actor, episode_id=episode_id, user_id=UUID(d["member"]), version=d["version"]
        )

    return _step(request, episode_id, form, run, _("Medarbetaren är frigjord från insatsen."))


@require_POST
@policy(policies.can_use_support)
@draft_form(AdultConsentForm)
def adult_consent(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    adults = selectors.adult_consents(episode=_episode_of(request, episode_id))
    form = AdultConsentForm(
        request.POST, request.FILES, adults=[(pk, name) for pk, name, _g in adults.adults]
    )

    def run(actor: Any, d: dict[str, Any]) -> object:
        return services.adult_consent_record(
            actor=actor,
            episode_id=episode_id,
            adult_id=UUID(d["adult"]),
            answer=d["answer"],
            proof=form.proof(),
            evidence=d["evidence"],
        )

    return _step(request, episode_id, form, run, _("Den vuxnas svar för egen del är registrerat."))


@require_POST
@policy(policies.can_use_support)
@draft_form(StartForm)
def start(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    def run(actor: Any, d: dict[str, Any]) -> object:
        return services.episode_start(
            actor=actor,
            episode_id=episode_id,
            started_on=d["started_on"] or timezone.localdate(),
            age_reason=d["age_reason"],
            outcome=_outcome(d),
            version=d["version"],
        )

    return _step(request, episode_id, StartForm(request.POST), run, _("Insatsen har startat."))


@require_POST
@policy(policies.can_use_support)
@draft_form(EndForm)
def end(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    def run(actor: Any, d: dict[str, Any]) -> object:
        return services.episode_end(
            actor=actor,
            episode_id=episode_id,
            ended_on=d["ended_on"] or timezone.localdate(),
            reason=d["reason"],
            outcome=_outcome(d),
            version=d["version"],
        )

    return _step(request, episode_id, EndForm(request.POST), run, _("Insatsen är avslutad."))


@require_POST
@policy(policies.can_use_support)
@draft_form(OutcomeForm)
def outcome(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    def run(actor: Any, d: dict[str, Any]) -> object:
        return services.outcome_record(
            actor=actor,
            episode_id=episode_id,
            phase="start",
            outcome=_outcome(d),
            version=d["version"],
        )

    return _step(request, episode_id, OutcomeForm(request.POST), run, _("Resultaten är sparade."))


# ---------------------------------------------------------------------------------------------
# The principal's contact with a team (R2.8)


@require_http_methods(["GET", "POST"])
@policy(policies.can_view_sent_requests)
@draft_form(TeamRequestForm)
def team_request(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Kontakta teamets skolansvariga: the principal of the pupil's school asks a team for
    support; the request lands on the work lead's board. One draft per pupil (core.drafts)."""
    actor = request.actor  # type: ignore[attr-defined]
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    facts = policies.ContactFacts(relation.municipality_id, relation.current_school_ids)
    enforce(policies.can_send_team_request(actor, facts))
    draft, done = drafts.draft_for(request, "support.team_request", child.pk)
    if done is not None:
        return done
    contacts = selectors.contact_teams(
        municipality_id=actor.tenant_id, school_ids=policies.contact_schools(actor, facts)
    )
    teams = [
        (
            f"{c.team_id}:{c.school_id}",
            _("%(team)s – skolansvarig: %(name)s") % {"team": c.team_name, "name": c.member_name},
        )
        for c in contacts
    ]
    form = TeamRequestForm(
        request.POST if request.method == "POST" else None, teams=teams, draft=draft
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            team_id, _sep, school_id = form.cleaned_data["team"].partition(":")
            try:
                episode = services.episode_request_from_principal(
                    actor=actor,
                    child_id=child.pk,
                    team_id=UUID(team_id),
                    school_id=UUID(school_id),
                    note=form.cleaned_data["note"],
                    request_id=form.cleaned_data["request_id"],
                )
            except EpisodeInvalid as error:
                form.add_service_errors(error.details)
            else:
                url = reverse("support:sent")
                drafts.draft_retire(
                    request, form.cleaned_data["request_id"], url=url, label=episode.owner_unit.name
                )
                messages.success(
                    request,
                    _("Förfrågan är skickad till %(team)s. Här ser du teamets svar.")
                    % {"team": episode.owner_unit.name},
                )
                return redirect(url)
    services.team_request_form_read(actor=actor, child=child)
    context = {"child": child, "form": form, "has_teams": bool(teams)}
    return render(request, "support/team_request.html", context, status=status)


@require_GET
@policy(policies.can_view_sent_requests)
def sent(request: HttpRequest) -> HttpResponse:
    """The requests the principal's schools sent to teams, with the teams' answers."""
    rows = services.sent_requests_read(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "support/sent.html", {"rows": rows})

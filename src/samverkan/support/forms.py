"""Forms of the support pages. Each action form has its own prefix, so ids stay unique on the
episode page; every form carries the version it was read at, so a concurrent edit is detected."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.access.models import User
from samverkan.access.roles import Role
from samverkan.consent.forms import EvidenceFields
from samverkan.consent.models import ConsentParty
from samverkan.core.drafts import DraftFormMixin, token_field

from .models import Episode, EpisodeOutcome, EpisodeType

TRI = EpisodeOutcome.TriState.choices
RATINGS = [(str(n), str(n)) for n in range(1, 6)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _date(label: Any) -> forms.DateField:
    """A date left empty means today: the field is not filled in beforehand, so a form shown
    again after a language switch counts as fresh and gets back what was typed (drafts.mjs)."""
    return forms.DateField(
        label=label,
        required=False,
        help_text=_("Lämna tomt för dagens datum."),
        widget=DateInput(),
        error_messages={
            "required": _("Ange ett datum."),
            "invalid": _("Ange datumet som år-månad-dag, till exempel 2026-08-15."),
        },
    )


class ActionForm(DraftFormMixin, forms.Form):
    """One step of the episode page. Its draft (core.drafts) keeps what is typed across a
    language switch, a database failure and Back; its version detects a concurrent edit."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    # Not required: a page from before the draft piece, or a client without it, still works.
    request_id = token_field(required=False)

    def add_service_errors(self, details: dict[str, list[str]], message: Any = None) -> None:
        """Put a service's errors on the fields they name; the rest above the form."""
        for key, texts in details.items():
            field = key if key in self.fields else None
            for text in texts:
                self.add_error(field, text)
        if not details and message:
            self.add_error(None, str(message))


def _member_label(user: User, role: str) -> str:
    label = Role(role).label if role in Role.values else role
    return f"{user.get_full_name() or user.username} ({label})"


class AcceptForm(ActionForm):
    prefix = "accept"

    def __init__(
        self,
        *args: Any,
        types: list[EpisodeType],
        staff: list[tuple[User, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["episode_type"] = forms.ChoiceField(
            label=_("Insatstyp"),
            choices=[(str(t.pk), t.name) for t in types],
            widget=forms.RadioSelect,
            error_messages={"required": _("Välj en insatstyp.")},
        )
        members = [(str(u.pk), _member_label(u, role)) for u, role in staff]
        self.fields["members"] = forms.MultipleChoiceField(
            label=_("Medarbetare"),
            choices=members,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": _("Välj minst en medarbetare i teamet."),
                "invalid_choice": _("Välj medarbetare i listan."),
            },
        )
        self.fields["lead_member"] = forms.ChoiceField(
            label=_("Huvudansvarig"),
            choices=[("", _("Den första som är vald")), *members],
            required=False,
        )
        self.order_fields(["episode_type", "members", "lead_member", "version"])


class DeclineForm(ActionForm):
    prefix = "decline"
    reason = forms.CharField(
        label=_("Skäl att avböja"),
        help_text=_("Avsändaren ser skälet. Skriv inga uppgifter om barnet som inte behövs."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Skriv varför förfrågan avböjs. Avsändaren ser skälet."),
            "max_length": _("Skriv högst %(limit_value)d tecken."),
        },
    )


class AssignForm(ActionForm):
    prefix = "assign"

    def __init__(self, *args: Any, staff: list[tuple[User, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"] = forms.ChoiceField(
            label=_("Lägg till medarbetare"),
            choices=[(str(u.pk), _member_label(u, role)) for u, role in staff],
            error_messages={
                "required": _("Välj en medarbetare i teamet."),
                "invalid_choice": _("Välj en medarbetare i listan."),
            },
        )
        self.order_fields(["member", "version"])


class ReleaseForm(ActionForm):
    """The work lead releases a member from the episode; the member's access through it ends."""

    prefix = "release"

    def __init__(self, *args: Any, members: list[tuple[User, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"] = forms.ChoiceField(
            label=_("Medarbetare att frigöra"),
            choices=[(str(u.pk), _member_label(u, role)) for u, role in members],
            error_messages={
                "required": _("Välj vilken medarbetare som ska frigöras."),
                "invalid_choice": _("Medarbetaren finns inte längre med i insatsen."),
            },
        )
        self.order_fields(["member", "version"])


class OutcomeFields(forms.Form):
    """The outcomes of R2.10. The family's own rating is filled in with the family, on paper
    or on the screen."""

    eligible_upper_secondary = forms.ChoiceField(
        label=_("Behörig till ett nationellt gymnasieprogram"),
        choices=TRI,
        initial=EpisodeOutcome.TriState.UNKNOWN,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj ett av alternativen.")},
    )
    attendance_percent = forms.IntegerField(
        label=_("Närvaro i skolan, procent"),
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": _("Ange närvaron som ett heltal mellan 0 och 100."),
            "min_value": _("Ange närvaron i procent, mellan 0 och 100."),
            "max_value": _("Ange närvaron i procent, mellan 0 och 100."),
        },
    )
    family_rating = forms.TypedChoiceField(
        label=_("Familjens skattning av struktur och kontroll (1 = ingen, 5 = full)"),
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    adults_work_or_study = forms.ChoiceField(
        label=_("De vuxna arbetar eller studerar"),
        choices=TRI,
        initial=EpisodeOutcome.TriState.UNKNOWN,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj ett av alternativen.")},
    )


class OutcomeForm(ActionForm, OutcomeFields):
    """Correct the start outcomes of a running episode, or fill in the family's rating with
    them on the screen; teachers record the school outcomes they own (R0.5)."""

    prefix = "outcome"


class StartForm(ActionForm, OutcomeFields):
    prefix = "start"
    started_on = _date(_("Startdatum"))
    age_reason = forms.CharField(
        label=_("Skäl om barnets ålder ligger utanför insatstypens åldrar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Skriv högst %(limit_value)d tecken.")},
    )


class EndForm(ActionForm, OutcomeFields):
    prefix = "end"
    ended_on = _date(_("Slutdatum"))
    reason = forms.ChoiceField(
        label=_("Skäl att avsluta"),
        choices=Episode.EndReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj varför insatsen avslutas.")},
    )
    goals_reached = forms.ChoiceField(
        label=_("Målen är nådda"),
        choices=TRI,
        initial=EpisodeOutcome.TriState.UNKNOWN,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj ett av alternativen.")},
    )


class AdultConsentForm(ActionForm, EvidenceFields):
    """An adult of the family consents for their own part (issue 12, 3), with evidence: the
    scan of the signed form and the day it was signed, or who received an oral answer, when
    and how."""

    prefix = "adult"

    def __init__(self, *args: Any, adults: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adult"] = forms.ChoiceField(
            label=_("Vem samtycket gäller"),
            choices=[(str(pk), name) for pk, name in adults],
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Välj vem av familjens vuxna som svarar."),
                "invalid_choice": _("Välj en av familjens vuxna i listan."),
            },
        )
        self.fields["answer"] = forms.ChoiceField(
            label=_("Svar för egen del"),
            choices=[
                (ConsentParty.Answer.GIVEN.value, ConsentParty.Answer.GIVEN.label),
                (ConsentParty.Answer.REFUSED.value, ConsentParty.Answer.REFUSED.label),
            ],
            widget=forms.RadioSelect,
            error_messages={"required": _("Välj om den vuxna samtycker eller inte.")},
        )
        self.fields["evidence_received_on"].label = _(
            "Datum för svaret (då blanketten skrevs under eller det muntliga samtycket lämnades)"
        )
        self.order_fields(["adult", "answer", "evidence_kind", "evidence", "version"])


class TeamRequestForm(DraftFormMixin, forms.Form):
    """The principal contacts a team's school-responsible member about a pupil (R2.8)."""

    note = forms.CharField(
        label=_("Vad ni ser och vad ni vill ha hjälp med"),
        help_text=_(
            "Teamets gruppledare och den skolansvariga läser det. Skriv det som behövs för att "
            "teamet ska kunna ta ställning, inget mer."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Skriv kort vad ni ser hos eleven och vad ni vill ha hjälp med."),
            "max_length": _("Skriv högst %(limit_value)d tecken."),
        },
    )
    request_id = token_field()

    def __init__(self, *args: Any, teams: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"] = forms.ChoiceField(
            label=_("Team"),
            choices=teams,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Välj ett team som har en skolansvarig för er skola."),
                "invalid_choice": _("Välj ett team i listan."),
            },
        )
        self.order_fields(["team", "note", "request_id"])

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        for key, texts in details.items():
            for text in texts:
                self.add_error(key if key in self.fields else None, text)

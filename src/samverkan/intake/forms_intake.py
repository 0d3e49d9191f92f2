"""Forms of intake's handling: the queue's filters and one form per action on an item. Field
names match the keys of the services' error details, so a service error lands on its field.
The services own every rule and validate again (STYLE P2)."""

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.organisations.models import Unit

from .models import IntakeItem, TeamProfile

QUEUE_STATUSES = [
    ("open", _("Öppna")),
    ("all", _("Alla")),
    ("decided", _("Beslutade")),
    ("handed_over", _("Överlämnade till team")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _text(label: Any, required_message: Any | None, *, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=10000,
        required=required_message is not None,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required_message or "",
            "max_length": _("Skriv högst %(limit_value)d tecken (nu %(show_value)d)."),
        },
    )


class ActionForm(forms.Form):
    """An action on an item. Each carries its own prefix, so ids stay unique on the page."""

    def add_service_errors(self, details: dict[str, list[str]], message: Any = None) -> None:
        """Put a service's errors on the fields they name; the rest above the form."""
        for key, messages in details.items():
            field = key if key in self.fields else None
            for text in messages:
                self.add_error(field, text)
        if not details and message:
            self.add_error(None, str(message))


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Visa"), choices=QUEUE_STATUSES, required=False, initial="open"
    )
    mine = forms.BooleanField(label=_("Mina ärenden"), required=False)

    def filters(self) -> tuple[str, bool]:
        """The selector's status ("" for every status) and whether to show only mine."""
        if not self.is_valid():
            return "open", False
        status = self.cleaned_data["status"] or "open"
        return ("" if status == "all" else status), self.cleaned_data["mine"]


class AssignForm(ActionForm):
    prefix = "assign"
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, workers: Iterable[tuple[str, str]] | None, **kwargs: Any
    ) -> None:
        """`workers`: (id, name) pairs (selectors.worker_choices). Without them (a POST) any
        posted value is accepted: the service checks that the worker belongs to the receiving
        unit, and the page sets the real choices again."""
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"] = forms.ChoiceField(
            label=_("Handläggare"),
            error_messages={
                "required": _("Välj en handläggare i mottagande enhet."),
                "invalid_choice": _("Välj en handläggare i listan."),
            },
        )
        if workers is None:
            posted = str(self["assigned_to"].value() or "")
            self.fields["assigned_to"].choices = [(posted, posted)] if posted else []  # type: ignore[attr-defined]
        else:
            self.set_workers(workers)
        self.order_fields(["assigned_to", "version"])

    def set_workers(self, workers: Iterable[tuple[str, str]]) -> None:
        self.fields["assigned_to"].choices = [  # type: ignore[attr-defined]
            ("", _("Välj handläggare")),
            *workers,
        ]


class ProtectionForm(ActionForm):
    prefix = "protection"
    protection_needed = forms.ChoiceField(
        label=_("Behöver barnet skydd omedelbart?"),
        choices=[("yes", _("Ja")), ("no", _("Nej"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Ange om barnet behöver skydd omedelbart.")},
    )
    assessment = _text(_("Skyddsbedömning"), _("Skriv skyddsbedömningen."), rows=5)

    def needed(self) -> bool:
        return bool(self.cleaned_data["protection_needed"] == "yes")


class ExtendForm(ActionForm):
    prefix = "extend"
    new_due = forms.DateField(
        label=_("Nytt datum för beslut"),
        widget=DateInput(),
        error_messages={
            "required": _("Ange ett nytt datum."),
            "invalid": _("Ange datumet som år-månad-dag, till exempel 2026-03-15."),
        },
    )
    reason = _text(
        _("Synnerliga skäl"),
        _("Ange det synnerliga skälet till att förhandsbedömningen tar längre tid."),
        rows=3,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecideForm(ActionForm):
    prefix = "decide"
    decision = forms.ChoiceField(
        label=_("Beslut"),
        choices=IntakeItem.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Välj beslut: inleda, inte inleda eller utredning pågår redan."),
            "invalid_choice": _("Välj beslut: inleda, inte inleda eller utredning pågår redan."),
        },
    )
    reason = _text(_("Motivering"), None, rows=4)
    give_feedback_now = forms.BooleanField(
        label=_("Skicka återkoppling till anmälaren nu"),
        required=False,
        help_text=_("Anmälaren har bett om återkoppling. Anmälaren får bara veta beslutet."),
    )

    def __init__(self, *args: Any, wants_feedback: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if wants_feedback:
            self.fields["give_feedback_now"].initial = True  # default yes (19 kap. 6 §)
        else:
            self.without_feedback()

    def without_feedback(self) -> None:
        """The reporter did not ask for feedback: there is nothing to send."""
        self.fields.pop("give_feedback_now", None)

    def feedback_now(self) -> bool:
        return bool(self.cleaned_data.get("give_feedback_now", False))


class MeetingForm(ActionForm):
    prefix = "meeting"
    participants = forms.MultipleChoiceField(
        label=_("Vem erbjuds ett möte?"),
        choices=[
            ("child", _("Barnet")),
            ("guardians", _("Vårdnadshavarna")),
            ("reporter", _("Anmälaren")),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Välj vem mötet erbjuds: barnet, vårdnadshavarna och/eller anmälaren."),
            "invalid_choice": _("Välj bland barnet, vårdnadshavarna och anmälaren."),
        },
    )
    note = _text(_("Anteckning om mötet"), None, rows=3)


class HandoverForm(ActionForm):
    prefix = "handover"
    note = _text(_("Meddelande till teamet"), None, rows=3)

    def __init__(
        self,
        *args: Any,
        teams: Iterable[tuple[Unit, TeamProfile | None]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.teams = list(teams)
        self.fields["team"] = forms.ChoiceField(
            label=_("Team"),
            choices=[(str(t.pk), t.name) for t, _profile in self.teams],
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Välj ett team."),
                "invalid_choice": _("Välj ett team i listan."),
            },
        )
        self.order_fields(["team", "note"])

    def team_options(self) -> list[dict[str, Any]]:
        """The radios with each team's criteria as the hint (rendered by the template)."""
        chosen = str(self["team"].value() or "")
        return [
            {
                "id": f"{self['team'].auto_id}_{index}",
                "value": str(team.pk),
                "name": team.name,
                "profile": profile,
                "checked": chosen == str(team.pk),
            }
            for index, (team, profile) in enumerate(self.teams)
        ]


class NoteForm(ActionForm):
    prefix = "note"
    body = _text(_("Anteckning"), _("Skriv anteckningen."), rows=4)
    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class FeedbackForm(ActionForm):
    """Only a button: feedback tells the reporter the decision, nothing else."""

    prefix = "feedback"


class ConsultationAnswerForm(ActionForm):
    answer = _text(_("Svar"), _("Skriv ett svar."), rows=8)


class RedactForm(ActionForm):
    """Mask a passage of a consultation: the passage exactly as written, and why."""

    prefix = "redact"
    passage = forms.CharField(
        label=_("Avsnitt som ska maskeras"),
        help_text=_("Kopiera avsnittet exakt som det står i frågan, till exempel ett namn."),
        max_length=5000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Klistra in det avsnitt som ska maskeras.")},
    )
    reason = forms.CharField(
        label=_("Skäl"),
        help_text=_("Frågeställaren ser skälet."),
        max_length=500,
        error_messages={
            "required": _("Skriv varför avsnittet maskeras."),
            "max_length": _("Skriv högst %(limit_value)d tecken (nu %(show_value)d)."),
        },
    )


class AskReportForm(ActionForm):
    """Ask the asker to make a report of concern instead."""

    prefix = "askreport"
    note = _text(_("Meddelande till frågeställaren (frivilligt)"), None, rows=3)


class ResolveChildForm(ActionForm):
    """A report about a child not in the register: link it to a register entry by full
    identity number, or keep it as not registered (issue #14)."""

    prefix = "resolve"
    register_number = forms.CharField(
        label=_("Barnets personnummer i registret"),
        help_text=_("Det fullständiga numret, till exempel 20150312-1234."),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    keep = forms.BooleanField(required=False, widget=forms.HiddenInput)

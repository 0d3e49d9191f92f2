"""The SIP's forms. Rows left empty are skipped; the service's errors come back to the field
of the row they name, and every typed value is kept on the page (DESIGN principle 3)."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.access.models import User
from samverkan.consent.forms import _date
from samverkan.consent.models import ConsentPurpose
from samverkan.core.drafts import DraftFormMixin, token_field
from samverkan.organisations.models import Unit

from . import policies, services

PARTICIPANT_ROWS = 4
GOAL_ROWS = 2
INTERVENTION_ROWS = 2


def _choices(pairs: Iterable[tuple[Any, str]]) -> list[tuple[str, Any]]:
    return [("", _("Välj")), *((str(key), label) for key, label in pairs)]


class ServiceErrorsMixin:
    """Put a service's errors on the fields they name; the rest above the form."""

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        form: Any = self
        for key, messages in details.items():
            for text in messages:
                form.add_error(key if key in form.fields else None, text)


class ParticipantForm(forms.Form):
    unit = forms.ChoiceField(label=_("Verksamhet"), required=False)
    person = forms.ChoiceField(
        label=_("Namngiven person"),
        required=False,
        help_text=_("Någon som arbetar i verksamheten och loggar in här."),
    )
    person_name = forms.CharField(
        label=_("Eller namn på den som deltar"),
        required=False,
        max_length=200,
        help_text=_("För en verksamhet utanför kommunen, till exempel regionen."),
    )
    person_email = forms.EmailField(
        label=_("E-post för kallelsen"),
        required=False,
        error_messages={"invalid": _("Ange en e-postadress i formatet namn@exempel.se.")},
    )

    def __init__(
        self, *args: Any, units: list[Unit], people: list[tuple[User, Unit, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _choices(  # type: ignore[attr-defined]
            (u.pk, f"{u.name} ({u.get_kind_display()})") for u in units
        )
        self.fields["person"].choices = _choices(  # type: ignore[attr-defined]
            dict.fromkeys(
                (p.pk, f"{p.get_full_name() or p.username} – {unit.name}") for p, unit, _r in people
            )
        )

    def row(self) -> services.ParticipantInput | None:
        data = self.cleaned_data
        if not data.get("unit"):
            if data.get("person") or data.get("person_name"):
                self.add_error("unit", _("Välj verksamheten som personen kommer från."))
            return None
        person = data.get("person")
        return services.ParticipantInput(
            UUID(data["unit"]),
            UUID(person) if person else None,
            data.get("person_name", ""),
            data.get("person_email", ""),
        )


class PlanCallForm(DraftFormMixin, ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Varför kallas till SIP?"),
        help_text=_("Skriv kort och begripligt för familjen. Inga uppgifter om andra personer."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=services.MAX_TEXT,
        error_messages={"required": _("Skriv varför SIP:en kallas.")},
    )
    consent = forms.ChoiceField(
        label=_("Samtycke för SIP"),
        required=False,
        help_text=_("Samtycket ska gälla SIP och nämna varje verksamhet. Det kan kopplas senare."),
    )
    request_id = token_field()  # the draft (core.drafts); the service's idempotency key

    def __init__(self, *args: Any, consents: list[tuple[UUID, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].choices = _choices(consents)  # type: ignore[attr-defined]


def participant_forms(
    data: Any, *, units: list[Unit], people: list[tuple[User, Unit, str]]
) -> list[ParticipantForm]:
    return [
        ParticipantForm(data, prefix=f"participants-{index}", units=units, people=people)
        for index in range(PARTICIPANT_ROWS)
    ]


def add_row_errors(
    rows: Sequence[forms.Form], prefix: str, index_map: list[int], details: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Put errors named "<prefix>-<n>-<field>" on the n-th non-empty row; return the rest."""
    rest: dict[str, list[str]] = {}
    for key, messages in details.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            number = int(parts[1])
            if number < len(index_map):
                form = rows[index_map[number]]
                for text in messages:
                    form.add_error(parts[2] if parts[2] in form.fields else None, text)
                continue
        rest[key] = messages
    return rest


class PlanForm(DraftFormMixin, ServiceErrorsMixin, forms.Form):
    lead_unit = forms.ChoiceField(
        label=_("Huvudansvarig verksamhet"),
        error_messages={"required": _("Välj den huvudansvariga verksamheten.")},
    )
    child_words = forms.CharField(
        label=_("Vad barnet säger, med barnets egna ord"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.MAX_TEXT,
    )
    guardians_view = forms.CharField(
        label=_("Vårdnadshavarnas syn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.MAX_TEXT,
    )
    next_follow_up_on = _date(str(_("Nästa uppföljning")), required=False)
    # The version the form was filled in on: a stale one is a concurrent edit (409).
    version = forms.IntegerField(widget=forms.HiddenInput)
    request_id = token_field()  # the draft (core.drafts)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].choices = _choices((u.pk, u.name) for u in units)  # type: ignore[attr-defined]


class GoalForm(forms.Form):
    text = forms.CharField(
        label=_("Mål"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=services.MAX_ITEM,
        help_text=_("Vad ska vara annorlunda för barnet? Skriv så att familjen förstår."),
    )


class InterventionForm(forms.Form):
    text = forms.CharField(
        label=_("Insats"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=services.MAX_ITEM,
    )
    responsible_unit = forms.ChoiceField(label=_("Ansvarig verksamhet"), required=False)
    responsible_person = forms.CharField(label=_("Ansvarig person"), required=False, max_length=200)
    start_on = _date(str(_("Från")), required=False)
    until_on = _date(str(_("Till och med")), required=False)
    follow_up_on = _date(str(_("Följs upp")), required=False)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].choices = _choices((u.pk, u.name) for u in units)  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(name) for name in self.fields)

    def row(self) -> services.InterventionInput:
        data = self.cleaned_data
        unit = data.get("responsible_unit")
        return services.InterventionInput(
            data.get("text", ""),
            UUID(unit) if unit else None,
            data.get("responsible_person", ""),
            data.get("start_on"),
            data.get("until_on"),
            data.get("follow_up_on"),
        )


class AgreeForm(DraftFormMixin, ServiceErrorsMixin, forms.Form):
    attendees = forms.CharField(
        label=_("Vilka deltog?"),
        help_text=_("Namn och roll, till exempel ”Kim Kurator (skolan), vårdnadshavare, Ella”."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.MAX_ITEM,
        error_messages={"required": _("Skriv vilka som deltog när planen kom överens.")},
    )
    family_agreed = forms.BooleanField(
        label=_("Familjen är överens om planen"),
        error_messages={
            "required": _(
                "Planen kan bara bli överenskommen när familjen är överens. Kryssa i rutan."
            )
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    request_id = token_field()  # the draft (core.drafts)


class LinkForm(DraftFormMixin, forms.Form):
    """Skicka länk: nothing typed, but one press is one link and one e-mail (core.drafts)."""

    request_id = token_field()


class ConsentLinkForm(ServiceErrorsMixin, forms.Form):
    consent = forms.ChoiceField(
        label=_("Samtycke för SIP"),
        error_messages={"required": _("Välj samtycket som SIP:en ska läsas under.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, consents: list[tuple[UUID, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].choices = _choices(consents)  # type: ignore[attr-defined]


def consent_choices(consents: Iterable[policies.PlanConsent]) -> list[tuple[UUID, str]]:
    """The child's SIP consents, as the forms list them."""
    return [
        (c.consent_id, c.label) for c in consents if c.purpose == ConsentPurpose.COORDINATED_PLAN
    ]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class MeetingForm(ServiceErrorsMixin, forms.Form):
    on = _date(str(_("Datum")))
    starts_at = forms.TimeField(
        label=_("Börjar klockan"),
        widget=TimeInput(),
        error_messages={
            "required": _("Ange när mötet börjar."),
            "invalid": _("Ange tiden som tt:mm, till exempel 13:30."),
        },
    )
    ends_at = forms.TimeField(
        label=_("Slutar klockan"),
        widget=TimeInput(),
        error_messages={
            "required": _("Ange när mötet slutar."),
            "invalid": _("Ange tiden som tt:mm, till exempel 14:30."),
        },
    )
    place = forms.CharField(
        label=_("Plats"),
        max_length=300,
        help_text=_(
            "För ett barn med skyddade personuppgifter skickas platsen bara till de deltagande "
            "verksamheternas egen personal."
        ),
        error_messages={"required": _("Ange var mötet hålls.")},
    )
    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def moments(self) -> tuple[Any, Any]:
        from datetime import datetime

        from django.utils import timezone

        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(data["on"], data["starts_at"]), tz),
            timezone.make_aware(datetime.combine(data["on"], data["ends_at"]), tz),
        )


class DownloadCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Kod"),
        max_length=12,
        help_text=_("Koden har du fått separat av den som kallade till mötet."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Ange koden.")},
    )

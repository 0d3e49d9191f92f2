"""Forms for changing a school's social-services contact. The services own every rule."""

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.access.models import User
from samverkan.core.drafts import DraftFormMixin, token_field

from .models import SchoolContact


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _date() -> forms.DateField:
    return forms.DateField(
        label=_("Från och med"),
        widget=DateInput(),
        error_messages={
            "required": _("Ange från vilket datum ändringen gäller."),
            "invalid": _("Ange datumet som år-månad-dag, till exempel 2026-08-15."),
        },
    )


def _worker_field(label: Any, workers: Iterable[User], required_message: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", _("Välj person")), *((str(w.pk), _worker_label(w)) for w in workers)],
        error_messages={
            "required": required_message,
            "invalid_choice": _("Välj en person i socialtjänsten ur listan."),
        },
    )


def _worker_label(worker: User) -> str:
    return worker.get_full_name() or worker.username


class ContactAssignForm(DraftFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Vad ska ändras?"),
        choices=SchoolContact.Kind.choices,
        widget=forms.RadioSelect,
        initial=SchoolContact.Kind.PRIMARY,
        error_messages={"required": _("Välj kontaktperson eller ersättare.")},
    )
    valid_from = _date()
    # The current contacts the form showed, to notice someone else's change (ConcurrentEdit).
    current_primary = forms.CharField(widget=forms.HiddenInput, required=False)
    current_deputy = forms.CharField(widget=forms.HiddenInput, required=False)
    request_id = token_field()

    def __init__(self, *args: Any, workers: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["social_worker"] = _worker_field(
            _("Ny person"), workers, _("Välj vem som ska bli kontaktperson eller ersättare.")
        )
        self.order_fields(["kind", "social_worker", "valid_from"])
        self.fields["valid_from"].initial = timezone.localdate

    def current_contact_id(self) -> uuid.UUID | None:
        raw = self.cleaned_data["current_" + self.cleaned_data["kind"]]
        try:
            return uuid.UUID(raw) if raw else None
        except ValueError:
            return uuid.uuid4()  # a tampered value never matches


class ContactsMoveForm(DraftFormMixin, forms.Form):
    valid_from = _date()
    # The draft's (core.drafts); the service needs none: moving twice moves nothing more.
    request_id = token_field(required=False)

    def __init__(self, *args: Any, workers: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        workers = list(workers)
        self.fields["from_worker"] = _worker_field(
            _("Från"), workers, _("Välj vems kontakter som ska flyttas.")
        )
        self.fields["to_worker"] = _worker_field(
            _("Till"), workers, _("Välj vem som ska ta över kontakterna.")
        )
        self.order_fields(["from_worker", "to_worker", "valid_from"])
        self.fields["valid_from"].initial = timezone.localdate

"""Forms about children; Swedish messages that say what to do next."""

import uuid
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.core.models import RecordCategory, SecrecyDomain

from .policies import RecordRef


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Namn eller personnummer"),
        help_text=_("Till exempel Ella Andersson eller 20150312-1234."),
        max_length=100,
        required=False,
    )


def target_key(ref: RecordRef) -> str:
    return f"{ref.domain}:{ref.category}:{ref.owner_unit_id}"


class NoteForm(forms.Form):
    target = forms.ChoiceField(
        label=_("Var anteckningen hör hemma"),
        error_messages={
            "required": _("Välj var anteckningen hör hemma."),
            "invalid_choice": _("Välj ett av alternativen i listan."),
        },
    )
    title = forms.CharField(
        label=_("Rubrik"),
        max_length=200,
        error_messages={
            "required": _("Skriv en rubrik."),
            "max_length": _("Rubriken får vara högst %(limit_value)d tecken (nu %(show_value)d)."),
        },
    )
    body = forms.CharField(
        label=_("Anteckning"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Skriv anteckningen."),
            "max_length": _(
                "Anteckningen får vara högst %(limit_value)d tecken (nu %(show_value)d)."
            ),
        },
    )
    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(
        self, *args: object, targets: list[RecordRef], unit_names: dict[str, str], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.targets = {target_key(t): t for t in targets}
        target_field = cast(forms.ChoiceField, self.fields["target"])
        target_field.choices = [
            (key, f"{unit_names.get(str(t.owner_unit_id), '')} – {label_for(t)}")
            for key, t in self.targets.items()
        ]
        if len(self.targets) == 1:
            self.fields["target"].initial = next(iter(self.targets))

    def clean_target(self) -> RecordRef:
        return self.targets[self.cleaned_data["target"]]


def label_for(ref: RecordRef) -> str:
    domain = SecrecyDomain(ref.domain).label
    category = RecordCategory(ref.category).label
    return f"{domain}, {category}"

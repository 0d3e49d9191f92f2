"""The sign-in form with Swedish messages."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Fel användarnamn eller lösenord. Kontrollera stavningen och försök igen. "
            "Efter tio misslyckade försök låses kontot i en timme."
        ),
        "inactive": _("Kontot är inaktiverat. Kontakta kommunens administratör."),
    }

    username = forms.CharField(
        label=_("Användarnamn"),
        max_length=150,
        error_messages={"required": _("Ange ditt användarnamn.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Lösenord"),
        strip=False,
        error_messages={"required": _("Ange ditt lösenord.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

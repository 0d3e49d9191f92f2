"""The sign-in form with Swedish messages."""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import throttle


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

    def clean(self) -> dict[str, Any]:
        """Refuse, without checking the password, an attempt that comes before the growing delay
        after earlier failures has passed (access.throttle)."""
        username = self.cleaned_data.get("username") or ""
        locked = self.request is not None and AxesProxyHandler.is_locked(
            self.request, {"username": username}
        )
        # A pair axes has locked gets axes' lock page (from authenticate) instead.
        if username and self.cleaned_data.get("password") and self.request and not locked:
            wait = throttle.wait_seconds(
                username=username, address=get_client_ip_address(self.request)
            )
            if wait:
                raise ValidationError(
                    _(
                        "För många misslyckade inloggningar. Vänta %(seconds)s sekunder och "
                        "försök sedan igen."
                    ),
                    code="throttled",
                    params={"seconds": wait},
                )
        return super().clean()

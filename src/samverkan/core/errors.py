"""Domain exceptions: a stable English code, a Swedish message, an HTTP status (STYLE P6)."""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code: str = "domain_error"
    status: int = 400
    message: str | Promise = _("Något gick fel. Försök igen.")

    def __init__(
        self, message: str | Promise | None = None, *, details: dict[str, Any] | None = None
    ) -> None:
        if message is not None:
            self.message = message
        self.details = details or {}
        super().__init__(str(self.message))


class NotFound(DomainError):
    """The object does not exist or is outside what the actor may see: existence never leaks."""

    code = "not_found"
    status = 404
    message = _("Sidan eller uppgiften finns inte, eller så saknar du behörighet att se den.")


class AccessDenied(DomainError):
    """The object is visible but the action is not allowed."""

    code = "access_denied"
    status = 403
    message = _("Du saknar behörighet att göra detta.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        reason: str = "denied",
        details: dict[str, Any] | None = None,
    ) -> None:
        self.reason = reason
        super().__init__(message, details=details)


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400
    message = _("Uppgifterna är inte giltiga. Rätta det som är markerat och försök igen.")


class ConcurrentEdit(DomainError):
    code = "concurrent_edit"
    status = 409
    message = _(
        "Någon annan har ändrat uppgiften medan du arbetade. Ladda om sidan och gör om ändringen."
    )

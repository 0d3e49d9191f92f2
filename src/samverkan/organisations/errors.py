"""Domain exceptions of the organisations app (STYLE P6)."""

from django.utils.functional import Promise

from samverkan.core.errors import InvalidInput


class ContactInvalid(InvalidInput):
    """A change of school contact that breaks a rule; `field` names the form field it is about."""

    code = "contact_invalid"

    def __init__(self, message: str | Promise, *, field: str = "") -> None:
        self.field = field
        super().__init__(message, details={"field": field} if field else None)

"""Domain errors of the consent app."""

from django.utils.translation import gettext_lazy as _

from samverkan.core.errors import DomainError, InvalidInput


class ConsentInvalid(InvalidInput):
    code = "consent_invalid"
    message = _("Samtycket kunde inte sparas. Rätta det som är markerat och försök igen.")


class WithdrawalInvalid(DomainError):
    code = "withdrawal_invalid"
    status = 409
    message = _("Bara en part som har samtyckt kan återkalla sitt samtycke.")

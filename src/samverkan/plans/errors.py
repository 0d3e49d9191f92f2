"""Domain errors of the SIP."""

from django.utils.translation import gettext_lazy as _

from samverkan.core.errors import DomainError, InvalidInput


class PlanInvalid(InvalidInput):
    code = "plan_invalid"
    message = _("Planen kunde inte sparas. Rätta det som är markerat och försök igen.")


class PlanFrozen(DomainError):
    code = "plan_frozen"
    status = 409
    message = _(
        "Den här versionen är överenskommen och kan inte ändras. Ändra planen i en ny version."
    )


class PlanConsentMissing(DomainError):
    code = "plan_consent_missing"
    status = 409
    message = _(
        "SIP:en saknar ett samtycke som gäller och som är bekräftat av varje sida. "
        "Registrera samtycket för SIP och koppla det till planen först."
    )

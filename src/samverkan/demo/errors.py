"""Errors of the demo loader."""

from django.utils.translation import gettext_lazy as _

from samverkan.core.errors import DomainError


class DemoMunicipalityExists(DomainError):
    code = "demo_municipality_exists"
    status = 409
    message = _(
        "Det finns redan en kommun med kod %(code)s. Välj en annan kod med --code, "
        "eller lägg till --if-empty för att låta den befintliga vara."
    )


class DemoInvalidSize(DomainError):
    code = "demo_invalid_size"
    status = 400
    message = _("Antalet barn måste vara mellan 1 och %(maximum)s.")

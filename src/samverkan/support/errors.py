"""Domain errors of support episodes (STYLE P6)."""

from django.utils.translation import gettext_lazy as _

from samverkan.core.errors import DomainError


class EpisodeInvalid(DomainError):
    """What was typed cannot be saved; `details` maps each field to its Swedish messages."""

    code = "episode_invalid"
    status = 400
    message = _("Uppgifterna kunde inte sparas. Rätta det som är markerat och försök igen.")

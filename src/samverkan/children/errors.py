"""Domain errors of the children app."""

from django.utils.translation import gettext_lazy as _

from samverkan.core.errors import InvalidInput


class NoteInvalid(InvalidInput):
    code = "note_invalid"
    message = _("Anteckningen kunde inte sparas. Rätta det som är markerat och försök igen.")

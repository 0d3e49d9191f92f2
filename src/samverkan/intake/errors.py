"""Domain errors of the one way in."""

from django.utils.translation import gettext_lazy as _

from samverkan.core.errors import DomainError, InvalidInput


class SubmissionInvalid(InvalidInput):
    code = "submission_invalid"
    message = _("Uppgifterna kunde inte skickas. Rätta det som är markerat och försök igen.")


class PossibleName(InvalidInput):
    """The anonymous text may name someone: the sender confirms before it is sent."""

    code = "possible_name"
    message = _(
        "Texten kan innehålla ett namn. Kontrollera att barnet inte går att identifiera och "
        "bekräfta innan du skickar."
    )


class ActionInvalid(InvalidInput):
    code = "action_invalid"
    message = _("Åtgärden kunde inte sparas. Rätta det som är markerat och försök igen.")


class AlreadyRecorded(DomainError):
    code = "already_recorded"
    status = 409
    message = _("Det här är redan registrerat och kan inte ändras.")


class NoReceivingUnit(DomainError):
    code = "no_receiving_unit"
    status = 409
    message = _(
        "Kommunen har ingen mottagning angiven. Kontakta socialtjänsten per telefon och be "
        "kommunadministratören ange en standardmottagning."
    )


class PossibleDuplicate(DomainError):
    """The same sender sent the same words about the same child within a day: a warning with
    the earlier receipt, never a refusal (the reporting duty must not be stopped)."""

    code = "possible_duplicate"
    status = 409
    message = _(
        "Du skickade samma text om samma barn för mindre än ett dygn sedan. Kontrollera att "
        "det inte redan är skickat. Är det ett nytt ärende, välj Skicka ändå."
    )

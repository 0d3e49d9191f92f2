"""What a SIP invitation or reminder says, and its calendar file: pure builders.

E-mail and calendar files travel over ordinary mail, so they carry **no child name and no
identity number**, only the plan's short reference (issue 13). For a child with a protection
marking the meeting place goes only to the participating organisations' own staff (named
users of a unit inside the municipality); anyone else is told the place separately."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

PRODID = "-//Samverkan//SIP//SV"


@dataclass(frozen=True)
class Recipient:
    email: str
    is_staff: bool  # a named user of a participating unit inside the municipality


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    ics: bytes
    shows_place: bool


def reference(plan_id: object) -> str:
    return str(plan_id)[:8].upper()


def shows_place(*, child_is_protected: bool, recipient: Recipient) -> bool:
    """The meeting place of a protected child reaches only the participants' own staff."""
    return not child_is_protected or recipient.is_staff


def calendar_file(
    *,
    uid: str,
    summary: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    description: str,
    sequence: int = 0,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("description", description)
    event.add("sequence", sequence)
    if place:
        event.add("location", place)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def meeting_message(
    *,
    kind: str,
    plan_id: object,
    meeting_id: object,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    child_is_protected: bool,
    recipient: Recipient,
    organiser: str,
) -> Message:
    """An invitation (kind "invitation") or a reminder before the meeting."""
    ref = reference(plan_id)
    local = timezone.localtime(starts_at)
    when = f"{local:%Y-%m-%d %H:%M}"
    place_shown = shows_place(child_is_protected=child_is_protected, recipient=recipient)
    place_line = (
        _("Plats: %(place)s") % {"place": place}
        if place_shown
        else _("Platsen får du veta av %(organiser)s.") % {"organiser": organiser}
    )
    if kind == "reminder":
        subject = _("Påminnelse: SIP-möte %(when)s (plan %(ref)s)") % {"when": when, "ref": ref}
    else:
        subject = _("Kallelse till SIP-möte %(when)s (plan %(ref)s)") % {"when": when, "ref": ref}
    lines = [
        _("Du är kallad till ett möte om en samordnad individuell plan (SIP)."),
        _("Tid: %(when)s") % {"when": when},
        place_line,
        _("Planens nummer: %(ref)s") % {"ref": ref},
        _("Kallad av: %(organiser)s") % {"organiser": organiser},
        "",
        _(
            "Av sekretesskäl står inga uppgifter om barnet i det här meddelandet. Den som deltar "
            "från kommunen ser planen när hen loggar in i Samverkan. Den som deltar från en annan "
            "organisation får planen på mötet eller genom en länk med en kod som lämnas separat."
        ),
    ]
    body = "\n".join(lines)
    ics = calendar_file(
        uid=f"{meeting_id}@samverkan",
        summary=_("SIP-möte (plan %(ref)s)") % {"ref": ref},
        starts_at=starts_at,
        ends_at=ends_at,
        place=place if place_shown else "",
        description=_("Samordnad individuell plan %(ref)s. Kallad av %(organiser)s.")
        % {"ref": ref, "organiser": organiser},
    )
    return Message(subject, body, ics, place_shown)


def overdue_message(*, plan_id: object, follow_up_on: datetime.date) -> tuple[str, str]:
    ref = reference(plan_id)
    subject = _("Uppföljningen av SIP %(ref)s är försenad") % {"ref": ref}
    body = _(
        "Uppföljningen av den samordnade individuella planen %(ref)s skulle ha skett "
        "%(on)s. Logga in i Samverkan och boka ett uppföljningsmöte."
    ) % {"ref": ref, "on": f"{follow_up_on:%Y-%m-%d}"}
    return subject, body


def download_message(
    *, plan_id: object, url: str, expires_at: datetime.datetime
) -> tuple[str, str]:
    ref = reference(plan_id)
    subject = _("Länk till SIP %(ref)s") % {"ref": ref}
    body = _(
        "Här är en länk till den samordnade individuella planen %(ref)s. Länken fungerar en "
        "gång och till och med %(until)s. Du behöver också en kod, som du får separat av den "
        "som kallade till mötet.\n\n%(url)s"
    ) % {"ref": ref, "until": f"{timezone.localtime(expires_at):%Y-%m-%d %H:%M}", "url": url}
    return subject, body

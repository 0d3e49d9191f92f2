"""Navigation by role, built from the request's actor."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from samverkan.intake import policies as intake_policies
from samverkan.notifications import selectors as notification_selectors
from samverkan.support import policies as support_policies

from .roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def navigation(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if not request.user.is_authenticated or not actor:
        return {"nav_items": []}
    items: list[tuple[str, str]] = [(_("Start"), reverse("start"))]
    if actor.school_ids or actor.social_unit_ids or actor.intake_unit_ids:
        items.append((_("Sök barn"), reverse("children:search")))
    if intake_policies.can_use_one_way_in(actor):
        items.append((_("Kontakta socialtjänsten"), reverse("intake:entry")))
    if actor.intake_unit_ids:
        items.append((_("Mottagning"), reverse("intake:queue")))
    if support_policies.can_view_board(actor):
        items.append((_("Tavla"), reverse("support:board")))
    if support_policies.can_view_caseload(actor):
        items.append((_("Mina insatser"), reverse("support:caseload")))
    if support_policies.can_view_sent_requests(actor):
        items.append((_("Förfrågningar till team"), reverse("support:sent")))
    items.append((_("Organisation"), reverse("organisations:list")))
    if actor.has_role(Role.LOG_REVIEWER):
        items.append((_("Logg"), reverse("audit:list")))
    unread = notification_selectors.unread_count(user_id=actor.user_id)
    items.append((_("Notiser (%(n)s)") % {"n": unread}, reverse("notifications:list")))
    path = request.path
    return {
        "nav_items": [
            NavItem(label, url, path == url or (url != "/" and path.startswith(url)))
            for label, url in items
        ]
    }

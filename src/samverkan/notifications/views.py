"""Notiser: a person's own notifications. Thin (STYLE P1)."""

from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from samverkan.access.decisions import AUTHENTICATED, policy

from . import selectors, services

PAGE_SIZE = 50


@require_GET
@policy(AUTHENTICATED)
def notification_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    paginator = Paginator(selectors.notification_list(actor=actor), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("sida"))
    return render(request, "notifications/notification_list.html", {"page": page})


@require_POST
@policy(AUTHENTICATED)
def notification_read(request: HttpRequest, notification_id: UUID) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    services.notification_mark_read(actor=actor, notification_id=notification_id)
    return redirect("notifications:list")

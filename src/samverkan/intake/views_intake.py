"""Placeholder: every name answers 404 until its views are written (this module is
replaced as a whole)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from samverkan.access.decisions import AUTHENTICATED, policy


@policy(AUTHENTICATED)
def queue(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def item(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def assign(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def protection(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def extend(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def decide(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def feedback(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def meeting(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def handover(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def note(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def consultation_queue(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def consultation_handle(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404

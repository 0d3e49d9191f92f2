"""Placeholder: every name answers 404 until its views are written (this module is
replaced as a whole)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from samverkan.access.decisions import AUTHENTICATED, policy


@policy(AUTHENTICATED)
def entry(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def consultation_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def report_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def request_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def sent_list(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def sent_item(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def supplement(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def feedback_request(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def consultation_sent(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404

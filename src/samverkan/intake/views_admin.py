"""Placeholder: every name answers 404 until its views are written (this module is
replaced as a whole)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from samverkan.access.decisions import AUTHENTICATED, policy


@policy(AUTHENTICATED)
def routing(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def rule_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def rule_edit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def default_unit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def preview(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


@policy(AUTHENTICATED)
def team_profile(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404

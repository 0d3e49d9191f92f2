"""Decisions, enforcement and the `@policy` declaration every view and API operation carries."""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse

from samverkan.core.errors import AccessDenied

from .actor import Actor, Grant


@dataclass(frozen=True)
class Decision:
    """A policy's answer with the reason (for the audit log) and the grant that allowed it."""

    allowed: bool
    reason: str
    grant: Grant | None = None
    basis: str = ""

    @classmethod
    def allow(
        cls, reason: str = "allowed", *, grant: Grant | None = None, basis: str = ""
    ) -> "Decision":
        return cls(True, reason, grant, basis)

    @classmethod
    def deny(cls, reason: str) -> "Decision":
        return cls(False, reason)

    def __bool__(self) -> bool:
        return self.allowed


def enforce(decision: Decision) -> Decision:
    """Raise AccessDenied (403, audited by the error middleware) unless the decision allows."""
    if not decision.allowed:
        raise AccessDenied(reason=decision.reason)
    return decision


ActorCheck = Callable[[Actor], Decision]
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])

POLICY_ATTR = "samverkan_policy"
PUBLIC = "public"  # the login page, health check, accessibility statement, static assets
AUTHENTICATED = "authenticated"  # any signed-in person; the page shows no child data


def policy(check: ActorCheck | str) -> Callable[[ViewFunc], ViewFunc]:
    """Declare a view's access rule. A callable is evaluated against the actor before the view
    runs; object-level rules are enforced again in services and selectors (STYLE P4)."""

    def decorate(view: ViewFunc) -> ViewFunc:
        if isinstance(check, str):
            setattr(view, POLICY_ATTR, check)
            if check == PUBLIC:
                view = login_not_required(view)
            return view

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = getattr(request, "actor", None)
            # request.actor is a lazy proxy: test its truth, `is None` never holds.
            if not actor:
                raise AccessDenied(reason="no_actor")
            enforce(check(actor))
            return view(request, *args, **kwargs)

        setattr(wrapper, POLICY_ATTR, check)
        return wrapper  # type: ignore[return-value]  # same signature as the view

    return decorate


def declared_policy(view: Callable[..., Any]) -> object | None:
    """The policy a view declared, looking through class-based and wrapped views."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        if candidate is not None and hasattr(candidate, POLICY_ATTR):
            declared: object = getattr(candidate, POLICY_ATTR)
            return declared
    return None

"""`api_policy`: the API twin of `@policy` for django-ninja operations."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

from samverkan.core.errors import AccessDenied

from .decisions import POLICY_ATTR, ActorCheck, enforce

F = TypeVar("F", bound=Callable[..., Any])


def api_policy(check: ActorCheck) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            actor = getattr(request, "actor", None)
            if not actor:
                raise AccessDenied(reason="no_actor")
            enforce(check(actor))
            return func(request, *args, **kwargs)

        setattr(wrapper, POLICY_ATTR, check)
        return wrapper  # type: ignore[return-value]  # same signature

    return decorate

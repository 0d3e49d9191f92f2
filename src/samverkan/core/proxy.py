"""The client's address behind the reverse proxy (settings.production names it for axes)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, unless it is a trusted proxy: then the last X-Forwarded-For address that is
    not one. A client can prepend anything to the header, but not what the proxy appends."""
    trusted: frozenset[str] = getattr(settings, "SAMVERKAN_TRUSTED_PROXIES", frozenset())
    address = str(request.META.get("REMOTE_ADDR", ""))
    if address not in trusted:
        return address
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if hop not in trusted:
            return hop
    return address

"""The one rule for a request's client address, used by the pages' rate limits, the API throttle, login
throttling (django-axes) and the audit log: the header named by ``CLIENT_IP_HEADER`` (which the proxy in front
always overwrites, e.g. ``HTTP_X_REAL_IP``), otherwise ``REMOTE_ADDR``. Nothing else is trusted: an
``X-Forwarded-For`` a client sends itself is ignored unless the deployment named that very header."""

import ipaddress

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


def client_ip(request) -> str:
    """The client's address, or "" when there is no request. A header listing several addresses counts by its
    last one, the entry the nearest (trusted) proxy wrote; a value that is not an address is ignored."""
    if request is None:
        return ""
    if settings.CLIENT_IP_HEADER:
        value = request.META.get(settings.CLIENT_IP_HEADER, "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "")


class ClientAddressAnonThrottle(AnonRateThrottle):
    """DRF's anonymous throttle keyed by ``client_ip`` (DRF's own identification believes any
    ``X-Forwarded-For`` a client sends, so each spoofed value got a fresh allowance)."""

    def get_ident(self, request):
        return client_ip(request)

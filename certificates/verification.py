"""Public checks of a certificate: what anyone may learn about it, how often, and from where.

The page, its JSON form, the phone-in lookup and the credential status all answer from ``public_record``, so a
revoked certificate reads as revoked everywhere."""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from people.network import client_ip

from .models import Certificate


def mask_name(name: str) -> str:
    """张*明 for three characters or more (middle hidden), 张* for two, * for one."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _public(queryset):
    return queryset.select_related("holder", "program")


def certificate_by_code(code: str) -> Certificate | None:
    return _public(Certificate.objects.filter(verification_code=code)).first() if code else None


def certificate_by_serial_and_name(serial_number: str, name: str) -> Certificate | None:
    """Only an exact match of both answers; anything else is "not found", so a caller cannot fish for names."""
    serial_number, name = serial_number.strip(), name.strip()
    if not serial_number or not name:
        return None
    return _public(Certificate.objects.filter(serial_number=serial_number, holder__name=name)).first()


def status_label(status: str) -> str:
    return {"valid": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked"),
            "superseded": _("Superseded by a renewal"), "suspended": _("Suspended"),
            "not_yet_valid": _("Not valid yet")}[status]


def public_record(certificate: Certificate) -> dict:
    """Everything a stranger may know about a certificate: no ID number, no phone, the name masked."""
    status = certificate.public_status()
    record = {
        "status": status,
        "status_label": status_label(status),
        "program": certificate.program.name,
        "holder": mask_name(certificate.holder.name),
        "serial_number": certificate.serial_number,
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "issuer": certificate.issuer_name,
        "checked_at": timezone.localtime().isoformat(timespec="seconds"),
    }
    # Facts higher apps add (the annual review passed: ``reviewed_for``), as public as the rest.
    for facts in hooks.get_hooks("certificate_public_facts"):
        record.update(facts(certificate))
    return record


def rate_limited(view):
    """At most ``CERTIFICATE_CHECKS_PER_MINUTE`` checks a minute from one address (a cache counter per address
    and minute); past that, a 429 page in Chinese. Stops anyone from trying codes or names in bulk."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        minute = int(timezone.now().timestamp() // 60)
        key = f"certificate-checks:{client_ip(request)}:{minute}"
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            cache.set(key, 1, timeout=120)
            count = 1
        if count > settings.CERTIFICATE_CHECKS_PER_MINUTE:
            response = render(request, "certificates/too_many_checks.html", status=429)
            response["Retry-After"] = "60"
            return response
        return view(request, *args, **kwargs)

    return wrapped

"""Valid, expiring, expired: the one definition, in the three forms its readers need.

- *valid*: status "issued" and not past ``expires_on`` (a certificate past its date counts as expired even before
  the nightly sweep has recorded it);
- *expiring*: valid, and ending within the bureau's window (``BureauSettings.expiring_within_days``, 60 days unless
  the bureau says otherwise);
- *expired*: status "expired", or "issued" and past its date.

``status_q`` gives them as ORM filters (the certificate register, its counts, the dashboard's red flags);
``sql_valid``/``sql_lapsed`` as SQL fragments with their parameters (the dashboard's grouped statements);
``public_status`` as what one certificate's verifier is told. The statuses come from ``Certificate.Status``, never
string literals, so a renamed status cannot leave one reader behind."""

import datetime

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import BureauSettings

from .models import Certificate

Status = Certificate.Status


def expiring_within_days(request=None) -> int:
    """The bureau's window for "expiring" (a site setting; 60 days by default). With a request, the request's
    site and its cached settings."""
    if request is not None:
        return BureauSettings.for_request(request).expiring_within_days
    from .services import site_setting

    return site_setting(BureauSettings).expiring_within_days


def expiring_label(days: int | None = None) -> str:
    """"Expiring within 60 days", with the bureau's window."""
    days = expiring_within_days() if days is None else days
    return _("Expiring within %(days)s days") % {"days": days}


def status_q(status: str, *, today: datetime.date | None = None, days: int | None = None, prefix: str = "") -> Q:
    """Certificates by what a verifier would be told (``public_status``), plus "expiring". ``prefix`` reaches the
    certificate through a relation (``"certificates__"``)."""
    today = today or timezone.localdate()

    def q(**lookups) -> Q:
        return Q(**{prefix + name: value for name, value in lookups.items()})

    valid = q(status=Status.ISSUED, expires_on__gte=today)
    if status == "valid":
        return valid
    if status == "expiring":
        return valid & q(expires_on__lte=expiring_until(today, days))
    if status == "expired":
        return q(status=Status.EXPIRED) | q(status=Status.ISSUED, expires_on__lt=today)
    return q(status=Status(status))  # revoked, superseded, suspended: the status itself


def _columns(alias: str) -> tuple[str, str]:
    quote = connection.ops.quote_name
    return (f"{alias}.{quote(Certificate._meta.get_field('status').column)}",
            f"{alias}.{quote(Certificate._meta.get_field('expires_on').column)}")


def sql_valid(alias: str, today: datetime.date) -> tuple[str, list]:
    """``status_q("valid")`` as SQL over the certificate table aliased ``alias``, with its parameters."""
    status, expires_on = _columns(alias)
    return f"({status} = %s AND {expires_on} >= %s)", [Status.ISSUED.value,
                                                        connection.ops.adapt_datefield_value(today)]


def sql_lapsed(alias: str, today: datetime.date) -> tuple[str, list]:
    """``status_q("expired")`` as SQL over the certificate table aliased ``alias``, with its parameters."""
    status, expires_on = _columns(alias)
    return (f"({status} = %s OR ({status} = %s AND {expires_on} < %s))",
            [Status.EXPIRED.value, Status.ISSUED.value, connection.ops.adapt_datefield_value(today)])


def expiring_until(today: datetime.date, days: int | None = None) -> datetime.date:
    """The last day a valid certificate may end on and count as expiring."""
    return today + datetime.timedelta(days=expiring_within_days() if days is None else days)


def public_status(certificate: Certificate, today: datetime.date | None = None) -> str:
    """What a verifier is told: valid, expired, revoked, suspended or superseded."""
    if certificate.status == Status.ISSUED:
        return "expired" if certificate.expires_on < (today or timezone.localdate()) else "valid"
    return certificate.status

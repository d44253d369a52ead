"""Deployment checks (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def credentials_need_https(app_configs, **kwargs):
    """Credentials name the issuer, its keys and its status lists by URLs built from WAGTAILADMIN_BASE_URL; Open
    Badges verifiers expect them on HTTPS."""
    if settings.WAGTAILADMIN_BASE_URL.startswith("https://"):
        return []
    return [Warning("WAGTAILADMIN_BASE_URL is not an https:// address, so the credentials' issuer, key and status "
                    "list URLs are not either.", hint="Set it to the site's public HTTPS address.",
                    id="certificates.W001")]

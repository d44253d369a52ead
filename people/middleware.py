from django.conf import settings
from django.contrib import auth
from django.contrib.auth import middleware as auth_middleware
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from . import sessions


class SiteLanguageMiddleware:
    """Simplified Chinese unless the visitor chose English with the language switcher (a cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: the product is Chinese first,
    and a WeChat browser set to English on a county official's phone should still open in Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy with every response: ``CSP_POLICY`` for the site, ``CSP_ADMIN_POLICY`` under
    ``CSP_ADMIN_PREFIX``. Wagtail's admin runs inline scripts of its own (widgets, panels) and frames its previews,
    so only that area gets the laxer policy; the site itself runs scripts from its own static files only.

    A view may send a policy of its own (the header is then left alone)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.site_header = self.header(settings.CSP_POLICY)
        self.admin_header = self.header(settings.CSP_ADMIN_POLICY)
        self.admin_prefix = settings.CSP_ADMIN_PREFIX

    @staticmethod
    def header(policy: dict[str, list[str]]) -> str:
        return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            admin = request.path.startswith(self.admin_prefix)
            response.headers["Content-Security-Policy"] = self.admin_header if admin else self.site_header
        return response


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the user read in the same statement as the session (``people.sessions``): Django's
    ``auth.get_user`` runs as ever, with that session's user at hand for the backend."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))


def _get_user(request):
    if not hasattr(request, "_cached_user"):  # as django.contrib.auth.middleware.get_user
        with sessions.users_read_with(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user

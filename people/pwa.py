"""The installable web app: its manifest, its service worker (served at /sw.js so that its scope is the whole site)
and the page it shows for an address it has not saved when there is no network. What the worker does and why is
in site/templates/pwa/sw.js; the page side (download a module, the offline queue) in site/static/js/offline.js."""

import hashlib
import json
from functools import lru_cache

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# Saved when the worker installs: what every page needs, and the offline page.
SHELL_FILES = ("css/site.css", "css/learn.css", "js/site.js", "js/filter-list.js", "js/offline.js",
               "img/logo.svg", "img/icons/icon-192.png")


@lru_cache(maxsize=1)
def _shell() -> tuple[str, list[str]]:
    """The worker's version and the addresses it saves at install. The version changes with the worker's code,
    the offline page's template and the static files' addresses (hashed in production), so a deployment that
    changes any of them installs a new worker, which drops the old shell cache."""
    urls = [reverse("offline")] + [static(name) for name in SHELL_FILES]
    sources = [get_template(name).template.source for name in ("pwa/sw.js", "pwa/offline.html")]
    version = hashlib.sha256(json.dumps([urls, sources]).encode()).hexdigest()[:12]
    return version, urls


@require_GET
def service_worker(request):
    version, urls = _shell()
    body = render_to_string("pwa/sw.js", {"version": version, "shell": json.dumps(urls),
                                          "offline_url": json.dumps(reverse("offline"))})
    # Browsers check for a new worker on navigation; no-cache makes that check reach the server every time.
    return HttpResponse(body, content_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})


@require_GET
def manifest(request):
    return JsonResponse({
        "name": _("Mediator Academy"),
        "short_name": _("Mediator Academy"),
        "description": _("People's mediation training and certification"),
        "lang": "zh-CN",
        "start_url": reverse("people:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": [
            {"src": static("img/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def offline(request):
    """Shown by the worker for a page it has not saved. Names no one: it is saved once for every user."""
    return render(request, "pwa/offline.html")

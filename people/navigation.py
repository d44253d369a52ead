"""The site's main menu, built from the ``register_site_menu_item`` Wagtail hook.

Each app registers the entries it owns (with a check of who may see them), so this app never imports them.
A hook function takes the request and returns a ``MenuItem`` or ``None``."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from wagtail import hooks


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    order: int = 100
    name: str = ""


def register_menu_entry(*, name: str, label, url_name: str, order: int, shown: Callable) -> None:
    """Add a menu entry linking to ``url_name`` for users for whom ``shown(user)`` is true.

    Entries whose label or address depends on more than the user (a count, a Wagtail page's URL) register a
    ``register_site_menu_item`` hook function themselves."""

    def entry(request):
        if shown(request.user):
            return MenuItem(label=label, url=reverse(url_name), order=order, name=name)
        return None

    hooks.register("register_site_menu_item", entry)


def menu_for(request) -> list[MenuItem]:
    items = [item for fn in hooks.get_hooks("register_site_menu_item") if (item := fn(request))]
    return sorted(items, key=lambda item: item.order)


def home_panels(request, hook_name: str) -> list[str]:
    """Rendered HTML panels that apps contribute to a role's home page (``learner_home_panels``,
    ``bureau_home_panels``). Each hook function takes the request and returns HTML or an empty string."""
    return [html for fn in hooks.get_hooks(hook_name) if (html := fn(request))]

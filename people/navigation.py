"""The site's main menu, built from the ``register_site_menu_item`` Wagtail hook.

Each app registers the entries it owns (with a check of who may see them), so this app never imports them.
A hook function takes the request and returns a ``MenuItem`` or ``None``."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

#: Entries a menu shows side by side before those of a group fold under the group's name. A bureau officer's
#: entries did not fit one row at 1280 px; a learner's eight (help included) do and stay flat, so on a phone their
#: training menu is one tap away, not two.
MAX_TOP_LEVEL = 8
GROUP_LABELS = {"training": _("Training")}


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    order: int = 100
    name: str = ""
    #: A key of ``GROUP_LABELS``: where the entry folds when the menu is long.
    group: str = ""


@dataclass(frozen=True)
class MenuGroup:
    label: str
    name: str
    items: list[MenuItem]
    order: int


def register_menu_entry(*, name: str, label, url_name: str, order: int, shown: Callable, group: str = "") -> None:
    """Add a menu entry linking to ``url_name`` for users for whom ``shown(user)`` is true.

    Entries whose label or address depends on more than the user (a count, a Wagtail page's URL) register a
    ``register_site_menu_item`` hook function themselves."""

    def entry(request):
        if shown(request.user):
            return MenuItem(label=label, url=reverse(url_name), order=order, name=name, group=group)
        return None

    hooks.register("register_site_menu_item", entry)


def menu_for(request) -> list[MenuItem]:
    items = [item for fn in hooks.get_hooks("register_site_menu_item") if (item := fn(request))]
    return sorted(items, key=lambda item: item.order)


def menu_entries(request) -> list[MenuItem | MenuGroup]:
    """The menu as the header shows it: flat when short; when longer than ``MAX_TOP_LEVEL``, the entries of
    each group with two or more members fold into one ``MenuGroup`` placed where its first entry was."""
    items = menu_for(request)
    if len(items) <= MAX_TOP_LEVEL:
        return items
    members: dict[str, list[MenuItem]] = {}
    for item in items:
        if item.group:
            members.setdefault(item.group, []).append(item)
    entries: list[MenuItem | MenuGroup] = []
    for item in items:
        grouped = members.get(item.group, [])
        if len(grouped) < 2:
            entries.append(item)
        elif grouped[0] is item:
            entries.append(MenuGroup(label=GROUP_LABELS[item.group], name=item.group, items=grouped, order=item.order))
    return entries


def region_url(request, region) -> str:
    """Where a region's name links, so a bureau officer can drill down wherever a region is named: the first
    ``region_url`` hook function (given the request and the region) that returns an address; "" for none."""
    for fn in hooks.get_hooks("region_url"):
        if url := fn(request, region):
            return url
    return ""


def home_panels(request, hook_name: str) -> list[str]:
    """Rendered HTML panels that apps contribute to a role's home page (``learner_home_panels``,
    ``bureau_home_panels``). Each hook function takes the request and returns HTML or an empty string."""
    return [html for fn in hooks.get_hooks(hook_name) if (html := fn(request))]

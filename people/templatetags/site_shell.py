from django import template

from people import permissions
from people.navigation import menu_entries

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context):
    request = context.get("request")
    return menu_entries(request) if request is not None else []


@register.filter
def is_learner(user) -> bool:
    """Whether the header offers the learner's search box (bureau staff's menu is already full on a desktop)."""
    return permissions.is_learner(user)

from django import template

from people.navigation import menu_entries

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context):
    request = context.get("request")
    return menu_entries(request) if request is not None else []

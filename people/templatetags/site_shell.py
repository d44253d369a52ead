from django import template

from people.navigation import menu_for

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context):
    request = context.get("request")
    return menu_for(request) if request is not None else []

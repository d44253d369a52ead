"""Picking people in bureau forms by name, mobile number or committee, on a phone: a search box that asks the
server (``people:person_search``, scoped by ``people.permissions``) and a list of the people chosen.

Use ``PersonPickerField`` and call ``field.limit_to(user)`` in the form's ``__init__``; ``cleaned_data`` is a
queryset of people the user may see. Only the chosen people are rendered, never the whole jurisdiction's list
(thousands of people in a county). The browser side is site/static/js/person-picker.js."""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import User


def person_label(person: User, committee_name: str = "") -> str:
    """姓名 · committee · 138****1234: enough to tell two people of one name apart without showing the number."""
    return " · ".join(part for part in (person.name, committee_name, person.masked_phone) if part)


class PersonPickerWidget(forms.SelectMultiple):
    template_name = "people/widgets/person_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        ids = [int(v) for v in (value or []) if str(v).isdigit()]
        chosen = User.objects.filter(pk__in=ids).order_by("name", "pk") if ids else []
        context["widget"].update({
            "search_url": reverse("people:person_search"),
            "chosen": [{"id": person.pk, "label": person_label(person)} for person in chosen],
        })
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's templates (site/templates) rather than the form renderer's built-in widget folders.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308

    def format_value(self, value):
        return [str(v) for v in (value or [])]


class PersonPickerField(forms.ModelMultipleChoiceField):
    widget = PersonPickerWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Type a name, a mobile number or a committee, then tap a person to add."))
        super().__init__(queryset=User.objects.none(), **kwargs)

    def limit_to(self, user) -> None:
        self.queryset = permissions.people_visible_to(user)

    def clean(self, value):
        people = super().clean(value)
        return list(people) if people is not None else []

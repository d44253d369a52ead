"""Form widgets shared by the site's forms (bureau forms above all), built for a thumb on a 375 px phone.

- ``IsoDateInput`` / ``IsoDateTimeInput``: a browser's ``<input type="date">`` accepts only ISO values
  (``2026-01-01``, ``2026-01-01T09:30``). Django's ``DateInput`` renders the active locale's first input format
  (``2026/01/01`` in zh-hans), which the browser discards: the input looks empty and the form fails validation.
- ``FilterableCheckboxSelectMultiple`` / ``FilterableRadioSelect``: a long list of committees or modules as
  full-width rows (≥ 44 px) with a search box that filters them on the phone (``js/filter-list.js``, loaded by
  the base template). Without
  JavaScript the list is still a plain, scrollable list of checkboxes or radios.
"""

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


class IsoDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATETIME)


class _FilterableListMixin:
    """Wraps the choices in a ``filter-list`` box with a search box (hidden until ``filter-list.js`` runs, so a
    page without JavaScript shows no dead control). The list itself is Django's own markup, styled as rows."""

    #: Lists shorter than this get no search box (nothing to search through).
    filter_threshold = 8

    def render(self, name, value, attrs=None, renderer=None):
        options = super().render(name, value, attrs=attrs, renderer=renderer)
        if len(self.choices) < self.filter_threshold:
            return format_html('<div class="filter-list">{}</div>', options)
        return format_html(
            '<div class="filter-list" data-filter-list>'
            '<input type="search" class="filter-list-search" hidden aria-label="{}" placeholder="{}" '
            'autocomplete="off" enterkeyhint="search">'
            '<p class="filter-list-empty muted" hidden>{}</p>{}</div>',
            _("Filter the list"), _("Type to filter the list"), _("Nothing matches."), options)


class FilterableCheckboxSelectMultiple(_FilterableListMixin, forms.CheckboxSelectMultiple):
    pass


class FilterableRadioSelect(_FilterableListMixin, forms.RadioSelect):
    pass

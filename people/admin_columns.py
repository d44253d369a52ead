"""Columns for the Wagtail admin's listings that speak Chinese where Wagtail's own do not."""

from django.utils.translation import gettext
from wagtail.admin.ui.tables import Column


def yes_no_column(field: str, label) -> Column:
    """A true/false field as 是/否. Wagtail's BooleanColumn draws an icon titled "True"/"False", which a Chinese
    screen reader reads out in English."""
    return Column(field, label=label, sort_key=field,
                  accessor=lambda obj: gettext("Yes") if getattr(obj, field) else gettext("No"))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    """The bureau's coverage dashboard. It sits above every other app, reads them and writes nothing."""

    name = "coverage"
    label = "coverage"
    verbose_name = _("Training and certification coverage")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The bureau's coverage dashboard (served under /coverage/). It sits above every other app and reads them.

    Named ``dashboard``, not ``coverage``: a top-level ``coverage`` package would shadow coverage.py, the test
    coverage tool."""

    name = "dashboard"
    label = "dashboard"
    verbose_name = _("Training and certification coverage")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers

        receivers.connect()

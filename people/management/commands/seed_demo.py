from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse


class Command(BaseCommand):
    help = "Load the demo banner: regions, committees, people, courses, exams and certificates. Idempotent."

    def handle(self, *args, **options):
        # Each app may ship a ``demo`` module with ``seed(out) -> logins``; they run in INSTALLED_APPS order,
        # lower apps first, so later ones can build on earlier data. This app never imports them by name.
        logins: list[tuple[str, str, str]] = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                if find_spec(f"{config.name}.demo") is None:
                    continue
                logins += import_module(f"{config.name}.demo").seed(self.stdout) or []
        # The address the demo serves on (bin/demo's PORT; see WAGTAILADMIN_BASE_URL in config/settings/base.py).
        login_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("login")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Log in at {login_url}"))
        width = max(len(role) for role, _u, _p in logins)
        for role, username, password in logins:
            self.stdout.write(f"  {role:<{width}}  {username:<10} {password}")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class PeopleConfig(AppConfig):
    name = "people"
    label = "people"
    verbose_name = _("People and organisations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (connects the post_migrate role sync)


class PeopleUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms that know our one-field Chinese name, gender and jurisdiction."""

    user_viewset = "people.admin_views.UserViewSet"
    group_viewset = "people.admin_views.GroupViewSet"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    label = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from people.roles import StaffRole, register_role_permissions

        # Pages, images and documents are governed by Wagtail's page and collection permissions, granted by
        # migration 0005: lecturers add pages and edit their own; bureau staff edit and publish (approve).
        register_role_permissions(StaffRole.BUREAU_STAFF, {
            "courses.add_modulecategory", "courses.change_modulecategory", "courses.view_modulecategory",
            "people.add_disputecategory", "people.change_disputecategory", "people.view_disputecategory",
        })
        register_role_permissions(StaffRole.ADMINISTRATOR, {
            "courses.add_modulecategory", "courses.change_modulecategory", "courses.view_modulecategory",
            "courses.delete_modulecategory",
        })
